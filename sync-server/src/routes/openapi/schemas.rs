//! The body schemas the API description names: hearth-core's own wire types, which derive
//! their OpenAPI schemas from the same definitions (and serde attributes) that read and
//! write them (hearth-core's `openapi` feature), so the document cannot drift from the code.

pub use hearth_core::model::Station;
pub use hearth_core::protocol::{
    ErrorBody, LoginRequest, LoginResponse, PullResponse, PushRequest, PushResponse,
};
