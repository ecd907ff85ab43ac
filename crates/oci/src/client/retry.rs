//! Retry policy: exponential backoff on 429 and 5xx, bounded in count and total time, honouring Retry-After.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::civil_time::days_from_civil;

/// How often and how long to retry a request answered with 429 or 5xx (or a dropped connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled each time.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff delay.
    pub max_backoff: Duration,
    /// Upper bound of all delays together; a Retry-After beyond what is left ends the retries.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    /// 5 attempts, 250 ms doubling up to 8 s, at most 30 s of waiting in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_total: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The delay before attempt `attempt + 1` (after `attempt` failed ones, `attempt` ≥ 1), given what was
    /// already waited and the server's Retry-After; `None` when no retry is allowed.
    pub fn delay(
        &self,
        attempt: u32,
        waited: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16));
        let backoff = exp.min(self.max_backoff);
        let delay = retry_after.map_or(backoff, |r| r.max(backoff));
        let left = self.max_total.saturating_sub(waited);
        if delay > left {
            None
        } else {
            Some(delay)
        }
    }
}

/// Parses a Retry-After header: delta seconds, or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)
/// taken relative to `now`.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = parse_imf_fixdate(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Seconds since the epoch of an IMF-fixdate.
fn parse_imf_fixdate(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    if parts.len() != 6 || parts[5] != "GMT" {
        return None;
    }
    let day: u64 = parts[1].parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == parts[2])? as u64 + 1;
    let year: u64 = parts[3].parse().ok()?;
    let hms: Vec<u64> = parts[4]
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if hms.len() != 3 || !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    let days = u64::try_from(days_from_civil(year as i64, month as i64, day as i64)).ok()?;
    Some(days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let p = RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            max_total: Duration::from_secs(1),
        };
        let z = Duration::ZERO;
        assert_eq!(p.delay(1, z, None), Some(Duration::from_millis(100)));
        assert_eq!(p.delay(2, z, None), Some(Duration::from_millis(200)));
        assert_eq!(p.delay(3, z, None), Some(Duration::from_millis(300)));
        assert_eq!(p.delay(4, z, None), None);
        assert_eq!(
            p.delay(1, z, Some(Duration::from_millis(700))),
            Some(Duration::from_millis(700))
        );
        assert_eq!(
            p.delay(
                1,
                Duration::from_millis(500),
                Some(Duration::from_millis(700))
            ),
            None
        );
        assert_eq!(RetryPolicy::none().delay(1, z, None), None);
    }

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                now + Duration::from_secs(60)
            ),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
