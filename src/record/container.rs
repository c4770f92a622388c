//! The container a record belongs to (`my-sysdig agent`): what the OCI
//! runtime said about it when it handed over the container's listener.

/// One container, shared by every record of its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container {
    /// The runtime's container id (`runc run ID`; for containerd, the
    /// 64-hex-digit id). Only `[A-Za-z0-9_.+-]`, as runc requires.
    pub id: String,
    /// A human name from the annotations, where the runtime set one
    /// (`io.kubernetes.cri.container-name`, `io.kubernetes.container.name`,
    /// `nerdctl/name`).
    pub name: Option<String>,
    /// The seccomp profile's `listenerMetadata` (empty when none).
    pub metadata: String,
}

/// Whether `id` is a container id as runc accepts it (`^[\w+.-]+$`) and
/// at most 1024 bytes: it is written bare in the text format.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 1024
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids() {
        assert!(super::valid_id("abc-1.2_x+y"));
        assert!(!super::valid_id(""));
        assert!(!super::valid_id("a b"));
        assert!(!super::valid_id("a\nb"));
        assert!(!super::valid_id("é"));
        assert!(!super::valid_id(&"a".repeat(1025)));
    }
}
