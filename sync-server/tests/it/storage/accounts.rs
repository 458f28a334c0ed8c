//! Users, credentials and devices: what login, token checks and the admin's lists rely on.

use chrono::{Duration, Utc};
use hearth_core::model::Role;
use hearth_server::Error;
use uuid::Uuid;

use super::{Fresh, city, logged_in, user};

pub async fn users_log_in_with_their_stored_credentials_and_a_taken_username_is_refused(storage: Fresh) {
    city(&*storage, 1).await;
    assert_eq!(storage.user_count().await.unwrap(), 0);
    let tech = user(Role::Technician, 0);
    storage.add_user(tech.clone(), "$argon2id$v=19$abc".into()).await.unwrap();
    let found = storage.credentials(&tech.username).await.unwrap().expect("stored credentials");
    assert_eq!((found.user, found.password_hash.as_str()), (tech.clone(), "$argon2id$v=19$abc"));
    assert!(storage.credentials("nobody").await.unwrap().is_none());

    let twin = hearth_core::model::User { id: Uuid::now_v7(), ..tech.clone() };
    let err = storage.add_user(twin, "x".into()).await.unwrap_err();
    assert!(matches!(err, Error::Refused(ref words) if words.contains("taken")), "{err}");
    assert_eq!(storage.user_count().await.unwrap(), 1, "the refused user was not stored");
    let office = user(Role::Dispatcher, 0);
    storage.add_user(office.clone(), "y".into()).await.unwrap();
    let listed = storage.users().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|u| u.disabled_at.is_none()));
    assert!(listed.iter().any(|u| u.user == office) && listed.iter().any(|u| u.user == tech));
}

pub async fn a_token_finds_its_device_until_the_device_is_revoked(storage: Fresh) {
    city(&*storage, 1).await;
    let caller = logged_in(&*storage, Role::Technician, 0).await;
    let token = format!("token-{}", caller.device_id);
    let auth = storage.device_for_token(&token).await.unwrap().expect("the device's token");
    assert_eq!(auth.caller, caller);
    assert_eq!((auth.device_name.as_str(), auth.revoked_at, auth.console), ("3号车平板", None, false));
    assert!(storage.device_for_token("no-such-token").await.unwrap().is_none());

    let seen = Utc::now() + Duration::minutes(3);
    storage.touch_device(caller.device_id, Some(true), seen).await.unwrap();
    let auth = storage.device_for_token(&token).await.unwrap().unwrap();
    assert!(auth.console, "a browser session");
    let last = auth.last_used_at.expect("its last use");
    assert!((last - seen).num_seconds().abs() <= 60, "to the minute: {last} vs {seen}");
    storage.touch_device(caller.device_id, None, seen).await.unwrap();
    assert!(storage.device_for_token(&token).await.unwrap().unwrap().console, "kept when not given");

    // Logging in again on the same device replaces its token.
    let again = storage
        .register_device(caller.device_id, caller.user.id, "3号车平板".into(), "token-2".into(), Utc::now())
        .await
        .unwrap();
    assert!(again);
    assert!(storage.device_for_token(&token).await.unwrap().is_none(), "the old token is gone");
    let devices = storage.devices().await.unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(
        (devices[0].id, devices[0].username.as_str()),
        (caller.device_id, caller.user.username.as_str())
    );

    assert!(storage.revoke_device(caller.device_id, Utc::now()).await.unwrap());
    assert!(!storage.revoke_device(Uuid::now_v7(), Utc::now()).await.unwrap(), "no such device");
    let auth = storage.device_for_token("token-2").await.unwrap().unwrap();
    assert!(auth.revoked_at.is_some(), "the token is known, and revoked");
    let relogin = storage
        .register_device(caller.device_id, caller.user.id, "3号车平板".into(), "token-3".into(), Utc::now())
        .await
        .unwrap();
    assert!(!relogin, "a revoked device stays revoked");
    assert!(storage.device_for_token("token-3").await.unwrap().is_none());
    assert!(storage.devices().await.unwrap()[0].revoked_at.is_some());
}

pub async fn a_disabled_user_cannot_log_in_and_their_tablets_stop_syncing(storage: Fresh) {
    city(&*storage, 1).await;
    let caller = logged_in(&*storage, Role::Inspector, 1).await;
    assert!(storage.disable_user(caller.user.id, Utc::now()).await.unwrap());
    assert!(!storage.disable_user(Uuid::now_v7(), Utc::now()).await.unwrap(), "no such user");
    assert!(storage.credentials(&caller.user.username).await.unwrap().is_none());
    let auth = storage.device_for_token(&format!("token-{}", caller.device_id)).await.unwrap().unwrap();
    assert!(auth.revoked_at.is_some());
    let listed = storage.users().await.unwrap();
    assert!(listed.iter().any(|u| u.user.id == caller.user.id && u.disabled_at.is_some()));
}
