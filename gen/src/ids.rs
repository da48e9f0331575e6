//! Spellings of identifiers as the sources write them: GUIDs, Entra unique token identifiers, Okta ids,
//! session ids, request ids and device-token hashes. All derived from random bits drawn by the caller.

const HEX: &[u8; 16] = b"0123456789abcdef";
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Appends `8-4-4-4-12` lower-case GUID text.
pub fn push_guid(out: &mut Vec<u8>, g: u128) {
    let mut b = [0u8; 36];
    let mut j = 0;
    for i in 0..32 {
        if i == 8 || i == 12 || i == 16 || i == 20 {
            b[j] = b'-';
            j += 1;
        }
        b[j] = HEX[((g >> (124 - 4 * i)) & 0xF) as usize];
        j += 1;
    }
    out.extend_from_slice(&b);
}

/// GUID text as a String.
pub fn guid(g: u128) -> String {
    let mut v = Vec::with_capacity(36);
    push_guid(&mut v, g);
    String::from_utf8(v).unwrap_or_default()
}

/// Appends an Entra `UniqueTokenIdentifier`: 16 random bytes as 22 URL-safe base64 characters, no padding.
pub fn push_uti(out: &mut Vec<u8>, bits: u128) {
    // 128 bits = 21 full sextets + 2 bits; base64 of 16 bytes puts the last 2 bits high in the 22nd char.
    for i in 0..21 {
        out.push(B64URL[((bits >> (122 - 6 * i)) & 0x3F) as usize]);
    }
    out.push(B64URL[((bits & 0x3) << 4) as usize]);
}

/// Appends `n` base-62 characters drawn from `bits` (Okta ids, session ids, request ids).
pub fn push_base62(out: &mut Vec<u8>, mut bits: u128, n: usize) {
    for _ in 0..n {
        out.push(B62[(bits % 62) as usize]);
        bits /= 62;
    }
}

/// Appends `n` lower-case hex digits of `bits` (up to 32).
pub fn push_hex(out: &mut Vec<u8>, bits: u128, n: usize) {
    for i in 0..n.min(32) {
        out.push(HEX[((bits >> (124 - 4 * i)) & 0xF) as usize]);
    }
}

/// Okta object id: a 3-character type prefix (`00u` user, `0oa` app, `pol` policy...) + 17 base-62 chars.
pub fn push_okta_id(out: &mut Vec<u8>, prefix: &str, bits: u128) {
    out.extend_from_slice(prefix.as_bytes());
    push_base62(out, bits, 17);
}

/// Okta id as a String.
pub fn okta_id(prefix: &str, bits: u128) -> String {
    let mut v = Vec::with_capacity(20);
    push_okta_id(&mut v, prefix, bits);
    String::from_utf8(v).unwrap_or_default()
}

/// Okta `externalSessionId`: `102` + 22 base-62 characters after authentication, `idx` + 22 before
/// (Okta Identity Engine's pre-authentication state handle).
pub fn push_okta_session(out: &mut Vec<u8>, bits: u128, pre_auth: bool) {
    out.extend_from_slice(if pre_auth { b"idx" } else { b"102" });
    push_base62(out, bits, 22);
}

/// Okta session id as a String.
pub fn okta_session(bits: u128, pre_auth: bool) -> String {
    let mut v = Vec::with_capacity(25);
    push_okta_session(&mut v, bits, pre_auth);
    String::from_utf8(v).unwrap_or_default()
}

/// Okta request / transaction id: 27 URL-safe characters (`ZCCzm8j2wTvzwele2NwLnwAADSc` style).
pub fn push_okta_request(out: &mut Vec<u8>, bits: u128) {
    for i in 0..21 {
        out.push(B64URL[((bits >> (122 - 6 * i)) & 0x3F) as usize]);
    }
    // Real request ids end in a counter-like tail ("AAADSc"); 6 more characters from the low bits.
    let mut tail = bits;
    for _ in 0..6 {
        out.push(B62[(tail % 62) as usize]);
        tail /= 62;
    }
}

/// Okta `debugData.dtHash`: 64 hex characters (SHA-256 of the device token), from two 128-bit halves.
pub fn push_dt_hash(out: &mut Vec<u8>, a: u128, b: u128) {
    push_hex(out, a, 32);
    push_hex(out, b, 32);
}

/// dtHash as a String.
pub fn dt_hash(a: u128, b: u128) -> String {
    let mut v = Vec::with_capacity(64);
    push_dt_hash(&mut v, a, b);
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(
            guid(0x2ce85a15_8640_465d_b916_d2eac620a717),
            "2ce85a15-8640-465d-b916-d2eac620a717"
        );
        let mut v = Vec::new();
        push_uti(&mut v, u128::MAX);
        assert_eq!(v.len(), 22);
        assert_eq!(&v[..], b"_____________________w");
        assert_eq!(okta_id("00u", 12345).len(), 20);
        assert!(okta_session(99, false).starts_with("102"));
        assert_eq!(okta_session(99, true).len(), 25);
        assert_eq!(dt_hash(1, 2).len(), 64);
        let mut r = Vec::new();
        push_okta_request(&mut r, 42);
        assert_eq!(r.len(), 27);
    }
}
