//! Variable lookup for expansion.

use std::collections::BTreeMap;

/// A variable environment for expansion. For lists of `(name, value)` pairs
/// the last entry of a name wins. Lookup is case-sensitive (Linux semantics).
pub trait Env {
    /// The value of `name`, or `None` when it is not set.
    fn get(&self, name: &str) -> Option<String>;
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

impl Env for [(String, String)] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

impl Env for Vec<(String, String)> {
    fn get(&self, name: &str) -> Option<String> {
        Env::get(self.as_slice(), name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    // Upstream TestGetEnv.
    #[test]
    fn list_lookup_last_wins() {
        let empty: Vec<(String, String)> = Vec::new();
        assert_eq!(Env::get(&empty, "foo"), None);
        assert_eq!(Env::get(&pairs(&[("foo", "")]), "foo"), Some(String::new()));
        let env = pairs(&[("foo", "bar"), ("car", "hat")]);
        assert_eq!(Env::get(&env, "foo").as_deref(), Some("bar"));
        assert_eq!(Env::get(&env, "car").as_deref(), Some("hat"));
        let env = pairs(&[("foo", "bar"), ("car", "hat"), ("car", "bike")]);
        assert_eq!(Env::get(&env, "car").as_deref(), Some("bike"));
        assert_eq!(Env::get(env.as_slice(), "car").as_deref(), Some("bike"));
        assert_eq!(Env::get(&env, "CAR"), None);
    }

    #[test]
    fn map_lookup() {
        let mut env = BTreeMap::new();
        env.insert("A".to_string(), "1".to_string());
        assert_eq!(Env::get(&env, "A").as_deref(), Some("1"));
        assert_eq!(Env::get(&env, "a"), None);
    }
}
