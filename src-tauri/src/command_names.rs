// The IPC commands of the shell, by name: shared by build.rs (which makes their permissions)
// and the crate (whose tests check this list against the commands registered and the
// capability file). Included with `include!`, so it holds nothing but this constant.

/// Every command the UI may call.
pub const COMMANDS: [&str; 28] = [
    "app_info",
    "login",
    "logout",
    "set_locale",
    "my_work_orders",
    "work_order",
    "advance_work_order",
    "search_households",
    "household",
    "start_draft",
    "save_draft",
    "draft",
    "drafts_for_household",
    "discard_draft",
    "validate_report",
    "assess_area",
    "assess_temperature",
    "add_photo",
    "photo_preview",
    "sign_report",
    "signed_report",
    "reports_for_household",
    "start_amendment",
    "sync_status",
    "sync_now",
    "set_map_app",
    "set_company_ca",
    "open_link",
];
