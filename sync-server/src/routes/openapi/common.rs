//! The answers every route can give that the handlers' own annotations leave out, added to
//! each operation of the document (without replacing one a handler describes itself):
//! `401` where a token is required, `400`, `413` and `415` where a JSON body is read, `400`
//! where a path or query parameter is parsed, and `503 timeout` everywhere (the request
//! timeout of `serve::Limits`). They come from the shared extractors and layers, so they are
//! listed here once instead of on each handler, and a client can rely on the list.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.head,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_common(operation);
            }
        }
    }
}

fn add_common(op: &mut Operation) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let json_body = op
        .request_body
        .as_ref()
        .is_some_and(|b| matches!(b, RefOr::T(b) if b.content.contains_key("application/json")));
    let params = op.parameters.iter().flatten().any(
        |p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query)),
    );
    // A HEAD answer has no body: its statuses are described without one.
    let head_like = op.responses.responses.values().all(|r| matches!(r, RefOr::T(r) if r.content.is_empty()));
    let mut add = |status: &str, description: &str| {
        let response = if head_like {
            Response::new(description)
        } else {
            let mut response = Response::new(description);
            response.content.insert(
                "application/json".into(),
                RefOr::T(Content::new(Some(Ref::from_schema_name("ErrorBody")))),
            );
            response
        };
        op.responses.responses.entry(status.to_owned()).or_insert(RefOr::T(response));
    };
    if secured {
        add(
            "401",
            "No token or one not known (`unauthorized`), the device was revoked (`device_revoked`), \
             or the console session went unused too long (`session_expired`)",
        );
    }
    if json_body {
        add("400", "The body is not JSON (`malformed_json`) or does not fit (`bad_request`)");
        add("413", "The body is larger than this endpoint accepts (`payload_too_large`)");
        add("415", "Not sent as `Content-Type: application/json` (`unsupported_media_type`)");
    }
    if params {
        add("400", "A path or query parameter does not fit (`bad_request`)");
    }
    add("503", "The server did not answer within its request timeout (`timeout`): try again");
}
