use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::keys::SinkKind;
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds object keys and file paths that contain client-controlled input (a URL path
    /// segment, a rocket route parameter typed `&str` or `String`, a query or body field, a
    /// header, a read from the whole request such as actix `req.match_info().get(..)`, a
    /// multipart file name) that nothing sanitised, in request handlers: aws-sdk-s3 keys, object_store and opendal paths,
    /// `std::fs` / `tokio::fs`, `File::open`, `Path::join`, `PathBuf::push`, `NamedFile::open`.
    /// A key handed to a workspace function that joins that parameter to a storage path (a
    /// backend in another module doing `self.root.join(key)` and opening it) is judged at the
    /// handler's call. A method call is taken for that function only when its receiver may
    /// have the type the function is a method of: one declared as another workspace struct or
    /// as a std collection (`drafts.remove(&id)` on a `HashMap`), or a static in-memory cache
    /// (also one `lazy_static!` declares), does not; one whose type is not known (a generic,
    /// `dyn Trait`, an untyped binding) may, and is judged like the function's own call.
    ///
    /// These sanitise: `Path::file_name()`, a `components()` check against `ParentDir`,
    /// `object_store::path::Path::parse`, canonicalize then `starts_with(root)`, validation
    /// that returns early (an allow-list, a regex, `ensure!`), a typed id (`Path<Uuid>`).
    /// A value that must name an existing entry first (`match db.find(&id).await { Some(r) =>
    /// r, None => return .. }`, `let Some(r) = map.get(&id) else { return }`, `.ok_or(..)?`),
    /// in the handler or in the function it hands the value to, is taken as checked: the
    /// stored names are the allow-list. Where clients choose the stored names themselves,
    /// set `lookup-validates = false`.
    /// A value proven equal to one the client did not send is checked where the comparison
    /// holds on every path to the path: `if file_id != stored.id { return .. }` before it in
    /// an enclosing block (also as one operand of `||`), or inside `if name == stored.id { .. }`
    /// (also as one operand of `&&`). Equal to a string literal, it is validated; equal to a
    /// stored value (a record's field), it counts as a lookup, so `lookup-validates = false`
    /// reports it. A comparison on one branch only, one that leaves when the values are equal,
    /// or one against a value read or computed from the request (through `let`s, but not
    /// through a lookup that must find a stored record) checks nothing.
    /// These do not, and are reported with a note: `.replace("..", "")` (`....//` survives),
    /// `trim_start_matches('/')`, `strip_prefix("/")`, and a `contains("..")` whose result is
    /// ignored.
    ///
    /// ## Why is this bad?
    /// Tenants are usually separated by a key prefix: `tenants/{tenant_id}/...`. A file name of
    /// `../../other-tenant/secret.pdf`, or an absolute path handed to `Path::join` (which then
    /// replaces the root), steers the read or write into another tenant's prefix or anywhere
    /// on the disk.
    ///
    /// ## Example
    /// ```rust
    /// async fn download(claims: Claims, Path(name): Path<String>) -> Result<Vec<u8>> {
    ///     let path = format!("/data/{}/{name}", claims.tenant_id);
    ///     Ok(tokio::fs::read(path).await?)
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// async fn download(claims: Claims, Path(name): Path<String>) -> Result<Vec<u8>> {
    ///     let name = std::path::Path::new(&name).file_name().ok_or(Error::BadName)?;
    ///     let path = std::path::Path::new("/data").join(claims.tenant_id.to_string()).join(name);
    ///     Ok(tokio::fs::read(path).await?)
    /// }
    /// ```
    pub struct StorageKeyTraversal {
        id: "storage-key-traversal",
        category: Isolation,
        summary: "client-controlled input in an object key or file path without sanitising",
        cheat_sheet: "File Storage: validate paths against traversal",
        options: ["lookup-validates"],
        cwe: 22,
        precision: "high",
        security_severity: "8.1",
        needs: [KeySinks],
    }
}

/// Option: a value that must name an existing entry before it reaches the path is checked.
const LOOKUP_VALIDATES: &str = "lookup-validates";

impl Rule for StorageKeyTraversal {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let lookup_validates = cx.bool_option(LOOKUP_VALIDATES, true);
        let mut findings = Vec::new();
        for sink in &cx.file.key_sinks {
            if sink.kind() != SinkKind::Storage {
                continue;
            }
            for part in &sink.untrusted {
                if part.checked_by_lookup && lookup_validates {
                    continue;
                }
                let message = match &part.weak_sanitizer {
                    Some(weak) => format!(
                        "client-controlled {} reaches a storage path; {weak} does not sanitise it",
                        part.what
                    ),
                    None => format!(
                        "client-controlled {} reaches a storage path unsanitised",
                        part.what
                    ),
                };
                let help = "keep only the last component (`Path::new(&name).file_name()`), reject `ParentDir`, \
                     `RootDir` and `Prefix` components, or use a generated id; `replace(\"..\", \"\")` and \
                     trimming slashes leave `....//` and absolute paths through";
                findings.push(
                    Finding::new(message, part.span)
                        .primary_label("client-controlled")
                        .label(sink.call, format!("used as a path by `{}`", sink.op))
                        .help(help),
                );
            }
        }
        for f in findings {
            cx.report(f);
        }
    }
}
