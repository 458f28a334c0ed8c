//! The one mapping of errors to what the UI receives: `{code, message, problems}`. The UI
//! branches on `code` (hearth-core's closed set, plus `locked_out`), never on the message.
//! Internal details (SQL, file paths) are printed to the log, not sent to the webview.

use hearth_core::{Error, Locale};
use serde::Serialize;
use specta::Type;

use crate::dto::ProblemDto;

/// An error as the UI sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
pub struct IpcError {
    pub code: String,
    /// In words, for the log and as a detail under the UI's own wording of the code.
    pub message: String,
    /// For `invalid`: each problem with its field and message in the UI's language.
    pub problems: Vec<ProblemDto>,
}

impl IpcError {
    /// An error of the shell itself (bad arguments from the UI).
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError { code: code.to_owned(), message: message.into(), problems: Vec::new() }
    }

    /// The one mapping of a hearth-core error, worded in `locale`.
    pub fn from_core(error: Error, locale: Locale) -> IpcError {
        let problems = match &error {
            Error::Invalid(problems) => problems.iter().map(|p| ProblemDto::new(p, locale)).collect(),
            _ => Vec::new(),
        };
        let message = match &error {
            Error::Sqlite(_) | Error::Migration(_) | Error::Corrupt(_) | Error::NotADatabase { .. } => {
                eprintln!("hearth-app: storage error: {error}");
                locale.pick("本机存储出错", "The device's storage failed.")
            }
            Error::Server { status: 401, .. } => locale.pick(
                "服务器拒绝了本设备，请重新登录",
                "The server no longer accepts this device; log in again.",
            ),
            _ => error.to_string(),
        };
        IpcError { code: IpcError::from_core_code(&error), message, problems }
    }
}

impl IpcError {
    /// The code [`IpcError::from_core`] gives `error`, for the status bar to word.
    pub fn from_core_code(error: &Error) -> String {
        match error {
            Error::Server { status: 401, .. } => "locked_out".to_owned(),
            other => other.code().to_owned(),
        }
    }
}

/// What every command returns.
pub type IpcResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::rules::{Label, Problem, ProblemKind};

    #[test]
    fn invalid_records_carry_their_problems_in_the_users_language() {
        let e = Error::Invalid(vec![Problem::new("cause", ProblemKind::Missing { what: Label::Cause })]);
        let ipc = IpcError::from_core(e, Locale::ZhCn);
        assert_eq!(ipc.code, "invalid");
        assert_eq!(ipc.problems[0].field, "cause");
        assert_eq!(ipc.problems[0].message, "请填写故障原因");
    }

    #[test]
    fn storage_details_are_not_sent_to_the_webview() {
        let e = Error::Corrupt("SELECT secret FROM /home/tech/device.sqlite".into());
        let ipc = IpcError::from_core(e, Locale::En);
        assert_eq!(ipc.code, "corrupt");
        assert!(!ipc.message.contains("SELECT") && !ipc.message.contains("/home"));
    }

    #[test]
    fn a_revoked_device_is_told_to_log_in_again() {
        let e = Error::Server { status: 401, code: "unauthorized".into(), message: "revoked".into() };
        assert_eq!(IpcError::from_core(e, Locale::En).code, "locked_out");
    }
}
