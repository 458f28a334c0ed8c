//! Resumable blob uploads: parts appended at the held offset, a blob only once complete and
//! hashed to its address, partials dropped when damaged or left for a day.

use chrono::{Duration, Utc};
use hearth_core::model::Sha256;
use hearth_server::storage::Appended;

use super::Fresh;

/// A photo-sized blob of `len` bytes and its address.
fn photo(len: usize, seed: u8) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect();
    let sha = Sha256::of(&bytes).to_string();
    (bytes, sha)
}

pub async fn a_blob_sent_in_parts_is_stored_only_once_complete_and_hashed(storage: Fresh) {
    let (bytes, sha) = photo(300_000, 1);
    let total = bytes.len() as u64;
    let now = Utc::now();
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 0);

    let first =
        storage.append_blob_part(sha.clone(), 0, total, bytes[..100_000].to_vec(), now).await.unwrap();
    assert_eq!(first, Appended::Held(100_000));
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 100_000);
    assert!(!storage.has_blob(&sha).await.unwrap(), "a partial upload is not the blob");
    assert!(storage.blob(sha.clone()).await.unwrap().is_none(), "nor can the office open it");

    // A part sent again after a lost answer, or one skipping ahead, changes nothing.
    let again =
        storage.append_blob_part(sha.clone(), 0, total, bytes[..100_000].to_vec(), now).await.unwrap();
    assert_eq!(again, Appended::WrongOffset { held: 100_000 });
    let ahead =
        storage.append_blob_part(sha.clone(), 200_000, total, bytes[200_000..].to_vec(), now).await.unwrap();
    assert_eq!(ahead, Appended::WrongOffset { held: 100_000 });
    let other_total = storage
        .append_blob_part(sha.clone(), 100_000, total + 1, bytes[100_000..200_000].to_vec(), now)
        .await;
    assert_eq!(other_total.unwrap(), Appended::WrongLength { total });
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 100_000);

    let second = storage
        .append_blob_part(sha.clone(), 100_000, total, bytes[100_000..200_000].to_vec(), now)
        .await
        .unwrap();
    assert_eq!(second, Appended::Held(200_000));
    assert!(!storage.has_blob(&sha).await.unwrap());
    let last =
        storage.append_blob_part(sha.clone(), 200_000, total, bytes[200_000..].to_vec(), now).await.unwrap();
    assert_eq!(last, Appended::Stored { created: true });
    assert!(storage.has_blob(&sha).await.unwrap());
    assert_eq!(storage.blob(sha.clone()).await.unwrap().as_deref(), Some(&bytes[..]), "assembled in order");
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 0, "the partial is gone");

    // Sending it once more (another tablet, a lost answer) is a no-op.
    let more = storage.append_blob_part(sha.clone(), 0, total, bytes[..10].to_vec(), now).await.unwrap();
    assert_eq!(more, Appended::Stored { created: false });
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 0);
}

pub async fn a_damaged_upload_is_dropped_and_nothing_is_stored(storage: Fresh) {
    let (bytes, sha) = photo(50_000, 2);
    let total = bytes.len() as u64;
    let now = Utc::now();
    storage.append_blob_part(sha.clone(), 0, total, bytes[..20_000].to_vec(), now).await.unwrap();
    let mut rest = bytes[20_000..].to_vec();
    rest[1000] ^= 0xff;
    let answer = storage.append_blob_part(sha.clone(), 20_000, total, rest.clone(), now).await.unwrap();
    let damaged = {
        let mut all = bytes[..20_000].to_vec();
        all.extend_from_slice(&rest);
        Sha256::of(&all).to_string()
    };
    assert_eq!(answer, Appended::HashMismatch { actual: damaged });
    assert!(!storage.has_blob(&sha).await.unwrap());
    assert_eq!(storage.partial_blob_len(&sha).await.unwrap(), 0, "it starts again from 0");
    // And it can: whole and right this time.
    let whole = storage.append_blob_part(sha.clone(), 0, total, bytes.clone(), now).await.unwrap();
    assert_eq!(whole, Appended::Stored { created: true });
}

pub async fn partial_uploads_untouched_for_a_day_are_deleted_by_the_upkeep(storage: Fresh) {
    let (old, old_sha) = photo(10_000, 3);
    let (fresh, fresh_sha) = photo(10_000, 4);
    let yesterday = Utc::now() - Duration::hours(25);
    storage.append_blob_part(old_sha.clone(), 0, 10_000, old[..4_000].to_vec(), yesterday).await.unwrap();
    storage
        .append_blob_part(fresh_sha.clone(), 0, 10_000, fresh[..4_000].to_vec(), Utc::now())
        .await
        .unwrap();
    storage.maintain().await.unwrap();
    assert_eq!(storage.partial_blob_len(&old_sha).await.unwrap(), 0, "a day-old partial is deleted");
    assert_eq!(storage.partial_blob_len(&fresh_sha).await.unwrap(), 4_000, "a recent one is kept");
    // The deleted upload starts again from 0, and completes.
    let whole = storage.append_blob_part(old_sha.clone(), 0, 10_000, old.clone(), Utc::now()).await.unwrap();
    assert_eq!(whole, Appended::Stored { created: true });
}
