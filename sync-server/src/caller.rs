//! Who makes a request: the user and the device whose token it carries. Every rule that
//! depends on the caller (the feed's scope, push acceptance) takes this.

use hearth_core::model::User;
use uuid::Uuid;

/// Who makes a request: the user and the device whose token it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub user: User,
    pub device_id: Uuid,
}
