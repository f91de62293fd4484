//! Public library APIs that take a file's location: std and tokio file functions and path
//! constructors (their first argument is a path), and environment variables that libraries
//! document as holding the path of a file they open.

/// `(module or type, function)`, matched on the last two segments of the call path: the first
/// argument is the location of a file (`std::fs::read`, `tokio::fs::read_to_string`,
/// `File::open`, `Path::new`).
pub const PATH_ARGUMENT_CALLS: &[(&str, &str)] = &[
    ("fs", "read"),
    ("fs", "read_to_string"),
    ("fs", "write"),
    ("fs", "metadata"),
    ("fs", "symlink_metadata"),
    ("fs", "canonicalize"),
    ("fs", "read_dir"),
    ("File", "open"),
    ("File", "create"),
    ("Path", "new"),
    ("PathBuf", "from"),
];

/// Environment variables whose value the libraries that read them take as a file's path.
pub const PATH_ENV_VARS: &[&str] = &[
    // Google Cloud client libraries and `gcp_auth`: application default credentials.
    "GOOGLE_APPLICATION_CREDENTIALS",
    // aws-config: the shared credentials and config files, the web identity token file.
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONFIG_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    // kube: the kubeconfig file.
    "KUBECONFIG",
    // openssl and rustls-native-certs: the CA bundle.
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// Whether a call path's first argument is a file's location.
pub fn takes_path(segments: &[String]) -> bool {
    super::by_last_two(PATH_ARGUMENT_CALLS, segments).is_some()
}
