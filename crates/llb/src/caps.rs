//! LLB capability names (upstream `solver/pb/caps.go`), as Go's marshaller records them.

pub(crate) const SOURCE_IMAGE: &str = "source.image";
pub(crate) const SOURCE_IMAGE_RESOLVE_MODE: &str = "source.image.resolvemode";
pub(crate) const SOURCE_IMAGE_LAYER_LIMIT: &str = "source.image.layerlimit";
pub(crate) const SOURCE_LOCAL: &str = "source.local";
pub(crate) const SOURCE_LOCAL_UNIQUE: &str = "source.local.unique";
pub(crate) const SOURCE_LOCAL_SESSION_ID: &str = "source.local.sessionid";
pub(crate) const SOURCE_LOCAL_INCLUDE_PATTERNS: &str = "source.local.includepatterns";
pub(crate) const SOURCE_LOCAL_FOLLOW_PATHS: &str = "source.local.followpaths";
pub(crate) const SOURCE_LOCAL_EXCLUDE_PATTERNS: &str = "source.local.excludepatterns";
pub(crate) const SOURCE_LOCAL_SHARED_KEY_HINT: &str = "source.local.sharedkeyhint";
pub(crate) const SOURCE_GIT: &str = "source.git";
pub(crate) const SOURCE_GIT_KEEP_DIR: &str = "source.git.keepgitdir";
pub(crate) const SOURCE_GIT_FULL_URL: &str = "source.git.fullurl";
pub(crate) const SOURCE_GIT_KNOWN_SSH_HOSTS: &str = "source.git.knownsshhosts";
pub(crate) const SOURCE_GIT_MOUNT_SSH_SOCK: &str = "source.git.mountsshsock";
pub(crate) const SOURCE_HTTP: &str = "source.http";
pub(crate) const SOURCE_HTTP_CHECKSUM: &str = "source.http.checksum";
pub(crate) const SOURCE_HTTP_PERM: &str = "source.http.perm";
/// Misspelled upstream; the wire value is what counts.
pub(crate) const SOURCE_HTTP_UID_GID: &str = "soruce.http.uidgid";
pub(crate) const SOURCE_OCI_LAYOUT: &str = "source.ocilayout";

pub(crate) const EXEC_META_BASE: &str = "exec.meta.base";
pub(crate) const EXEC_META_NETWORK: &str = "exec.meta.network";
pub(crate) const EXEC_META_PROXY: &str = "exec.meta.proxyenv";
pub(crate) const EXEC_META_SECURITY: &str = "exec.meta.security";
pub(crate) const EXEC_META_SETS_DEFAULT_PATH: &str = "exec.meta.setsdefaultpath";
pub(crate) const EXEC_META_ULIMIT: &str = "exec.meta.ulimit";
pub(crate) const EXEC_MOUNT_BIND: &str = "exec.mount.bind";
pub(crate) const EXEC_MOUNT_CACHE: &str = "exec.mount.cache";
pub(crate) const EXEC_MOUNT_CACHE_SHARING: &str = "exec.mount.cache.sharing";
pub(crate) const EXEC_MOUNT_SELECTOR: &str = "exec.mount.selector";
pub(crate) const EXEC_MOUNT_TMPFS: &str = "exec.mount.tmpfs";
pub(crate) const EXEC_MOUNT_TMPFS_SIZE: &str = "exec.mount.tmpfs.size";
pub(crate) const EXEC_MOUNT_SECRET: &str = "exec.mount.secret";
pub(crate) const EXEC_MOUNT_SSH: &str = "exec.mount.ssh";
pub(crate) const EXEC_MOUNT_CONTENT_CACHE: &str = "exec.mount.cache.content";
pub(crate) const EXEC_SECRET_ENV: &str = "exec.secretenv";

pub(crate) const FILE_BASE: &str = "file.base";
pub(crate) const MERGE_OP: &str = "mergeop";
pub(crate) const DIFF_OP: &str = "diffop";

pub(crate) const CONSTRAINTS: &str = "constraints";
pub(crate) const PLATFORM: &str = "platform";
pub(crate) const META_IGNORE_CACHE: &str = "meta.ignorecache";
pub(crate) const META_DESCRIPTION: &str = "meta.description";
pub(crate) const META_EXPORT_CACHE: &str = "meta.exportcache";
