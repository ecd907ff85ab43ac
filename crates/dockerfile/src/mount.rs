//! Typed `RUN --mount` specs, parsed as BuildKit v0.13.2's
//! `instructions/commands_runmount.go` `parseMount` does, with the per-type
//! defaults its dispatcher applies (secret id and target, ssh id, cache id).

mod values;

use super::expand::go_quote;
pub(crate) use values::parse_bool;
use values::{parse_u32, ram_in_bytes, suggest};

/// What kind of mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MountType {
    /// A read-only (by default) view of a context or stage directory.
    Bind,
    /// A persistent cache directory.
    Cache,
    /// An empty in-memory filesystem.
    Tmpfs,
    /// A build secret as a file (or environment variable).
    Secret,
    /// An SSH agent socket.
    Ssh,
}

impl MountType {
    /// The name as written in a Dockerfile.
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }
}

/// How a cache mount is shared between concurrent builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sharing {
    /// Used by all writers at once (the default).
    Shared,
    /// A new cache is created when the cache is in use.
    Private,
    /// Writers wait for each other.
    Locked,
}

/// One parsed `--mount` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountSpec {
    /// `type=`; bind by default.
    pub kind: MountType,
    /// `target=`/`dst=`/`destination=`; for secrets without `env` it defaults
    /// to `/run/secrets/<basename of id>`. Empty when not given otherwise.
    pub target: String,
    /// `source=`/`src=`; `None` when absent or empty.
    pub source: Option<String>,
    /// `from=`: a stage or image; `None` when absent or empty.
    pub from: Option<String>,
    /// `ro`/`rw`; when neither is given, false for cache and tmpfs, true otherwise.
    pub readonly: bool,
    /// `id=`. Defaults: secrets use `source`, else `id`, else the basename of
    /// `target`; ssh uses `default`; cache uses the cleaned target path.
    pub id: Option<String>,
    /// `sharing=` for cache mounts; shared when absent.
    pub sharing: Sharing,
    /// `mode=` (octal), for cache, secret and ssh mounts.
    pub mode: Option<u32>,
    /// `uid=`, for cache, secret and ssh mounts.
    pub uid: Option<u32>,
    /// `gid=`, for cache, secret and ssh mounts.
    pub gid: Option<u32>,
    /// `size=` in bytes (units like `10m` are binary), tmpfs only.
    pub size: Option<i64>,
    /// `required` for secret and ssh mounts.
    pub required: bool,
    /// `env=`: expose a secret as this environment variable (BuildKit ≥ 0.14).
    pub env: Option<String>,
}

const MOUNT_TYPES: &[&str] = &["bind", "cache", "secret", "ssh", "tmpfs"];
const SHARING_MODES: &[&str] = &["locked", "private", "shared"];
const KEYS: &[&str] = &[
    "type",
    "from",
    "source",
    "target",
    "readonly",
    "id",
    "sharing",
    "required",
    "mode",
    "uid",
    "gid",
    "src",
    "dst",
    "ro",
    "rw",
    "readwrite",
    "env",
];

/// Parse one raw `--mount` value (CSV of `key=value` fields and bare flags).
/// Each value is passed through `expand` before use, except that, like
/// upstream's parse-time check, a `from` value with a `$` followed by any
/// character is rejected first. Errors are worded as upstream words them.
pub fn parse_mount(
    raw: &str,
    expand: &dyn Fn(&str) -> Result<String, String>,
) -> Result<MountSpec, String> {
    let fields =
        crate::csv::first_record(raw).map_err(|e| format!("failed to parse csv mounts: {e}"))?;
    for field in &fields {
        if let Some((key, value)) = field.split_once('=') {
            if key.eq_ignore_ascii_case("from") && has_variable(value) {
                return Err(
                    "'from' doesn't support variable expansion, define alias stage instead"
                        .to_string(),
                );
            }
        }
    }
    let mut b = Builder::default();
    for field in &fields {
        b.field(field, expand)?;
    }
    b.finish()
}

/// Upstream's `\$.` check: a `$` followed by a character other than newline.
fn has_variable(value: &str) -> bool {
    value
        .match_indices('$')
        .any(|(i, _)| value[i + 1..].chars().next().is_some_and(|c| c != '\n'))
}

/// The mount as fields are applied, in order (order matters upstream: e.g.
/// `required` is only accepted once `type=secret` has been seen).
struct Builder {
    kind: MountType,
    target: String,
    source: String,
    from: String,
    readonly: bool,
    ro_auto: bool,
    id: String,
    sharing: Option<Sharing>,
    mode: Option<u32>,
    uid: Option<u32>,
    gid: Option<u32>,
    size: Option<i64>,
    required: bool,
    env: Option<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            kind: MountType::Bind,
            target: String::new(),
            source: String::new(),
            from: String::new(),
            readonly: false,
            ro_auto: true,
            id: String::new(),
            sharing: None,
            mode: None,
            uid: None,
            gid: None,
            size: None,
            required: false,
            env: None,
        }
    }
}

impl Builder {
    fn secret_or_ssh(&self) -> bool {
        matches!(self.kind, MountType::Secret | MountType::Ssh)
    }

    fn unexpected(&self, key: &str) -> String {
        format!(
            "unexpected key '{key}' for mount type '{}'",
            self.kind.as_str()
        )
    }

    fn field(
        &mut self,
        field: &str,
        expand: &dyn Fn(&str) -> Result<String, String>,
    ) -> Result<(), String> {
        let Some((key, raw_value)) = field.split_once('=') else {
            return self.flag(field);
        };
        let key = key.to_lowercase();
        let value = expand(raw_value)?;
        let bool_value = || parse_bool(&value).ok_or(format!("invalid value for {key}: {value}"));
        match key.as_str() {
            "type" => {
                self.kind = match value.to_lowercase().as_str() {
                    "bind" => MountType::Bind,
                    "cache" => MountType::Cache,
                    "tmpfs" => MountType::Tmpfs,
                    "secret" => MountType::Secret,
                    "ssh" => MountType::Ssh,
                    _ => {
                        let msg = format!("unsupported mount type {}", go_quote(&value));
                        return Err(suggest(msg, &value, MOUNT_TYPES));
                    }
                }
            }
            "from" => self.from = value,
            "source" | "src" => self.source = value,
            "target" | "dst" | "destination" => self.target = value,
            "readonly" | "ro" => {
                self.readonly = bool_value()?;
                self.ro_auto = false;
            }
            "readwrite" | "rw" => {
                self.readonly = !bool_value()?;
                self.ro_auto = false;
            }
            "required" if self.secret_or_ssh() => self.required = bool_value()?,
            "size" if self.kind == MountType::Tmpfs => {
                self.size =
                    Some(ram_in_bytes(&value).ok_or(format!("invalid value for {key}: {value}"))?)
            }
            "required" | "size" => return Err(self.unexpected(&key)),
            "id" => self.id = value,
            "sharing" => {
                self.sharing = Some(match value.to_lowercase().as_str() {
                    "shared" => Sharing::Shared,
                    "private" => Sharing::Private,
                    "locked" => Sharing::Locked,
                    _ => {
                        let msg = format!("unsupported sharing value {}", go_quote(&value));
                        return Err(suggest(msg, &value, SHARING_MODES));
                    }
                })
            }
            "mode" | "uid" | "gid" => {
                let radix = if key == "mode" { 8 } else { 10 };
                let n =
                    parse_u32(&value, radix).ok_or(format!("invalid value {value} for {key}"))?;
                let slot = match key.as_str() {
                    "mode" => &mut self.mode,
                    "uid" => &mut self.uid,
                    _ => &mut self.gid,
                };
                *slot = Some(n);
            }
            "env" => self.env = Some(value),
            _ => {
                let msg = format!("unexpected key '{key}' in '{field}'");
                return Err(suggest(msg, &key, KEYS));
            }
        }
        Ok(())
    }

    /// A field without `=`.
    fn flag(&mut self, field: &str) -> Result<(), String> {
        let key = field.to_lowercase();
        match key.as_str() {
            "readonly" | "ro" => {
                self.readonly = true;
                self.ro_auto = false;
            }
            "readwrite" | "rw" => {
                self.readonly = false;
                self.ro_auto = false;
            }
            "required" if self.secret_or_ssh() => self.required = true,
            "required" => return Err(self.unexpected(&key)),
            _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
        }
        Ok(())
    }

    fn finish(self) -> Result<MountSpec, String> {
        let kind = self.kind;
        let name = kind.as_str();
        if !matches!(kind, MountType::Secret | MountType::Ssh | MountType::Cache) {
            for (set, what) in [(self.mode, "mode"), (self.uid, "uid"), (self.gid, "gid")] {
                if set.is_some() {
                    return Err(format!("{what} not allowed for \"{name}\" type mounts"));
                }
            }
        }
        let readonly = if self.ro_auto {
            !matches!(kind, MountType::Cache | MountType::Tmpfs)
        } else {
            self.readonly
        };
        if kind == MountType::Secret {
            if !self.from.is_empty() {
                return Err("secret mount should not have a from".to_string());
            }
            if self.sharing.is_some() {
                return Err("secret mount should not define sharing".to_string());
            }
            if self.source.is_empty() && self.target.is_empty() && self.id.is_empty() {
                return Err("invalid secret mount. one of source, target required".to_string());
            }
            if !self.source.is_empty() && !self.id.is_empty() {
                return Err("both source and id can't be set".to_string());
            }
        }
        if self.sharing.is_some() && kind != MountType::Cache {
            return Err(format!("invalid cache sharing set for {name} mount"));
        }
        let mut id = self.id;
        let mut target = self.target;
        match kind {
            MountType::Secret => {
                if !self.source.is_empty() {
                    id = self.source.clone();
                }
                if id.is_empty() {
                    id = base_name(&target).to_string();
                }
                if self.env.is_none() && target.is_empty() {
                    target = format!("/run/secrets/{}", base_name(&id));
                }
            }
            MountType::Ssh if id.is_empty() => id = "default".to_string(),
            MountType::Cache if id.is_empty() => id = super::dockerignore::clean_path(&target),
            _ => {}
        }
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        Ok(MountSpec {
            kind,
            target,
            source: non_empty(self.source),
            from: non_empty(self.from),
            readonly,
            id: non_empty(id),
            sharing: self.sharing.unwrap_or(Sharing::Shared),
            mode: self.mode,
            uid: self.uid,
            gid: self.gid,
            size: self.size,
            required: self.required,
            env: self.env,
        })
    }
}

/// Go's `path.Base`.
fn base_name(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

#[cfg(test)]
mod tests;
