//! The one mapping of errors to what the UI receives: `{code, message, problems}`. The UI
//! branches on `code` (hearth-core's closed set, with a 401 told apart by what the server
//! said: `wrong_credentials` at login, `device_revoked`, `session_expired`; a throttled
//! login is `too_many_attempts` with the seconds to wait), never on the message.
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
    /// For `too_many_attempts`: the seconds to wait before the next login, when the server
    /// said (its `Retry-After`).
    pub retry_after_secs: Option<u32>,
}

impl IpcError {
    /// An error of the shell itself (bad arguments from the UI).
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.into(),
            problems: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// The one mapping of a hearth-core error, worded in `locale`.
    pub fn from_core(error: Error, locale: Locale) -> IpcError {
        let problems = match &error {
            Error::Invalid(problems) => problems.iter().map(|p| ProblemDto::new(p, locale)).collect(),
            _ => Vec::new(),
        };
        let retry_after_secs = match &error {
            Error::Throttled { retry_after_secs, .. } => {
                retry_after_secs.map(|s| u32::try_from(s).unwrap_or(u32::MAX))
            }
            _ => None,
        };
        let message = match &error {
            Error::Sqlite(_) | Error::Migration(_) | Error::Corrupt(_) | Error::NotADatabase { .. } => {
                eprintln!("hearth-app: storage error: {error}");
                locale.pick("本机存储出错", "The device's storage failed.")
            }
            Error::Server { status: 401, code, .. } if code == DEVICE_REVOKED => locale.pick(
                "本设备已被管理员停用，请联系调度后重新登录",
                "An administrator revoked this device; call the office, then log in again.",
            ),
            Error::Server { status: 401, .. } => {
                locale.pick("登录已失效，请重新登录", "The login is no longer valid; log in again.")
            }
            Error::Certificate(_) => locale.pick(
                "服务器证书无法验证（不受信任、已过期或不属于该地址），未发送任何数据",
                "The server's certificate cannot be verified (untrusted, expired or for another \
                 name); nothing was sent.",
            ),
            Error::Throttled { .. } => throttled_words(retry_after_secs, locale),
            _ => error.to_string(),
        };
        IpcError { code: IpcError::from_core_code(&error), message, problems, retry_after_secs }
    }

    /// The mapping of a failed login: there the server's 401 `unauthorized` means the
    /// username or the password is wrong (it does not say which), not a lost session.
    pub fn from_login(error: Error, locale: Locale) -> IpcError {
        match &error {
            Error::Server { status: 401, code, .. } if code == UNAUTHORIZED => IpcError::new(
                WRONG_CREDENTIALS,
                locale.pick("用户名或密码错误", "Wrong username or password."),
            ),
            _ => IpcError::from_core(error, locale),
        }
    }
}

/// A throttled login in words: the wait in seconds, or in whole minutes (rounded up) from
/// two minutes on, as the login screen says it (`login.throttled*` in ui/src/lib/i18n.ts).
fn throttled_words(retry_after_secs: Option<u32>, locale: Locale) -> String {
    match retry_after_secs {
        Some(s) if s >= 120 => {
            let m = s.div_ceil(60);
            locale.pick(
                format!("登录失败次数过多，请 {m} 分钟后再试"),
                format!("Too many failed logins; try again in {m} minutes."),
            )
        }
        Some(s) => locale.pick(
            format!("登录失败次数过多，请 {s} 秒后再试"),
            format!("Too many failed logins; try again in {s} seconds."),
        ),
        None => locale.pick("登录失败次数过多，请稍后再试", "Too many failed logins; try again later."),
    }
}

/// The server's codes for a 401 (sync-server `ErrorCode`).
const UNAUTHORIZED: &str = "unauthorized";
const DEVICE_REVOKED: &str = "device_revoked";
/// The shell's codes for a 401: the UI words each.
const WRONG_CREDENTIALS: &str = "wrong_credentials";
const SESSION_EXPIRED: &str = "session_expired";

impl IpcError {
    /// The code [`IpcError::from_core`] gives `error`, for the status bar to word: a 401
    /// during sync is a revoked device, or a token the server no longer knows (replaced by a
    /// login elsewhere, or its user disabled).
    pub fn from_core_code(error: &Error) -> String {
        match error {
            Error::Server { status: 401, code, .. } if code == DEVICE_REVOKED => DEVICE_REVOKED.to_owned(),
            Error::Server { status: 401, .. } => SESSION_EXPIRED.to_owned(),
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

    fn refused(code: &str) -> Error {
        Error::Server { status: 401, code: code.into(), message: "refused".into() }
    }

    #[test]
    fn a_wrong_password_at_login_is_not_a_revoked_device() {
        let ipc = IpcError::from_login(refused("unauthorized"), Locale::ZhCn);
        assert_eq!(ipc.code, "wrong_credentials");
        assert_eq!(ipc.message, "用户名或密码错误");
        assert!(!ipc.message.contains("停用"));
    }

    #[test]
    fn a_revoked_device_is_told_so_at_login_and_during_sync() {
        let at_login = IpcError::from_login(refused("device_revoked"), Locale::ZhCn);
        assert_eq!(at_login.code, "device_revoked");
        assert!(at_login.message.contains("停用"), "{}", at_login.message);
        assert_eq!(IpcError::from_core_code(&refused("device_revoked")), "device_revoked");
        assert_eq!(IpcError::from_core(refused("device_revoked"), Locale::En).code, "device_revoked");
    }

    #[test]
    fn a_token_the_server_no_longer_knows_during_sync_is_an_expired_login() {
        assert_eq!(IpcError::from_core_code(&refused("unauthorized")), "session_expired");
        let ipc = IpcError::from_core(refused("unauthorized"), Locale::ZhCn);
        assert_eq!(ipc.code, "session_expired");
        assert_eq!(ipc.message, "登录已失效，请重新登录");
    }

    #[test]
    fn an_unreachable_server_and_a_refused_certificate_have_their_own_codes() {
        assert_eq!(IpcError::from_core_code(&Error::Unreachable("connection refused".into())), "unreachable");
        let tls = Error::Certificate("invalid peer certificate: UnknownIssuer".into());
        assert_eq!(IpcError::from_core_code(&tls), "certificate");
        let ipc = IpcError::from_login(tls, Locale::ZhCn);
        assert_eq!(ipc.code, "certificate");
        assert!(ipc.message.starts_with("服务器证书无法验证"), "{}", ipc.message);
    }

    #[test]
    fn a_throttled_login_says_how_long_to_wait() {
        let throttled = |secs| Error::Throttled { retry_after_secs: secs, message: "try again".into() };
        let ipc = IpcError::from_login(throttled(Some(8)), Locale::ZhCn);
        assert_eq!(ipc.code, "too_many_attempts");
        assert_eq!(ipc.retry_after_secs, Some(8));
        assert_eq!(ipc.message, "登录失败次数过多，请 8 秒后再试");
        assert!(!ipc.message.contains("用户名或密码错误"));
        // Long waits in whole minutes, rounded up.
        let long = IpcError::from_login(throttled(Some(150)), Locale::ZhCn);
        assert_eq!(long.message, "登录失败次数过多，请 3 分钟后再试");
        assert_eq!(long.retry_after_secs, Some(150));
        let en = IpcError::from_login(throttled(Some(119)), Locale::En);
        assert_eq!(en.message, "Too many failed logins; try again in 119 seconds.");
        let unknown = IpcError::from_login(throttled(None), Locale::ZhCn);
        assert_eq!((unknown.code.as_str(), unknown.retry_after_secs), ("too_many_attempts", None));
        assert_eq!(unknown.message, "登录失败次数过多，请稍后再试");
    }

    #[test]
    fn other_refusals_keep_the_core_code() {
        let e = Error::Server { status: 403, code: "forbidden".into(), message: "no".into() };
        assert_eq!(IpcError::from_core_code(&e), "server");
    }
}
