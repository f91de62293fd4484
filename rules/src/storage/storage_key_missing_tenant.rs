use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::keys::{KeySink, SinkKind};
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds object keys and file paths for tenant data that have no tenant component:
    /// aws-sdk-s3 builders (`put_object`, `get_object`, `delete_object`, `copy_object`,
    /// multipart uploads, `.prefix(..)` on listings), object_store paths (`Path::from`,
    /// `Path::parse`) and store calls, opendal operators; and, in code that works with a
    /// tenant, `std::fs` / `tokio::fs` calls, `File::open`, `Path::join` and `NamedFile::open`
    /// that address a record by its id (a per-tenant file tree).
    /// The notion of a tenant component is the one `cache-key-missing-tenant` uses. A key is
    /// reported when it is built here from a record id (`invoice_id`) or in code that holds a
    /// tenant; keys that start from a runtime directory or prefix, and keys handed in whole,
    /// are left to where that root or key is built; so are keys used after a query in the same
    /// function filtered by the tenant column (the record was looked up as the tenant's first).
    ///
    /// ## Why is this bad?
    /// A bucket is shared by every tenant; only the key separates them. An object stored as
    /// `invoices/{invoice_id}.pdf` can be read by any tenant that learns or guesses the id, and
    /// a listing of `invoices/` returns every tenant's files. Per-tenant prefixes also make
    /// per-tenant deletion, export and IAM scoping possible.
    ///
    /// ## Example
    /// ```rust
    /// s3.put_object()
    ///     .bucket(&bucket)
    ///     .key(format!("invoices/{invoice_id}.pdf"))
    ///     .body(body)
    ///     .send()
    ///     .await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// s3.put_object()
    ///     .bucket(&bucket)
    ///     .key(format!("tenants/{}/invoices/{invoice_id}.pdf", claims.tenant_id))
    ///     .body(body)
    ///     .send()
    ///     .await?;
    /// ```
    ///
    /// ## Options
    /// The top-level `shared-storage-prefixes` lists key prefixes that every tenant shares on
    /// purpose; keys that start with one are not reported:
    /// ```toml
    /// shared-storage-prefixes = ["public/", "assets/"]
    /// ```
    pub struct StorageKeyMissingTenant {
        id: "storage-key-missing-tenant",
        category: Isolation,
        summary: "object key or file path for tenant data without a tenant component",
        cheat_sheet: "File Storage: tenant-prefixed object keys",
        cwe: 639,
        precision: "medium",
        security_severity: "7.5",
        needs: [KeySinks],
    }
}

impl Rule for StorageKeyMissingTenant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let mut findings = Vec::new();
        for sink in &cx.file.key_sinks {
            // Tenant data is addressed by a record id (or handled where a tenant is at hand); a
            // key handed over whole is judged where it is built.
            if sink.kind() != SinkKind::Storage
                || !sink.parts.lacks_tenant()
                || sink.record_checked
                || sink.parts.is_single_value()
                || !is_tenant_data(sink)
                || cx.config().is_shared_storage_key(&sink.parts.prefix)
            {
                continue;
            }
            findings.push(
                Finding::new(
                    format!(
                        "{} {} has no tenant component (built from {})",
                        sink.family.name(),
                        if sink.family.is_object_storage() { "key" } else { "path" },
                        sink.parts.dynamic_names()
                    ),
                    sink.key,
                )
                .primary_label("no tenant in this key")
                .label(sink.call, format!("`{}` here", sink.op))
                .help(
                    "start the key with the tenant (`format!(\"tenants/{tenant_id}/...\")`); if every tenant \
                     shares these objects on purpose, list the prefix in `shared-storage-prefixes`",
                ),
            );
        }
        for f in findings {
            cx.report(f);
        }
    }
}

/// Object storage holds tenant data when a record id or a tenant is at hand. A file path does
/// when code that holds a tenant addresses a record in it (a per-tenant file tree), outside the
/// kernel's own trees; worker caches and temp files named by fresh ids are not tenant data.
fn is_tenant_data(sink: &KeySink) -> bool {
    if sink.family.is_object_storage() {
        return sink.parts.has_record_id() || sink.tenant_in_scope;
    }
    let system = ["/proc/", "/sys/", "/dev/"]
        .iter()
        .any(|p| sink.parts.prefix.starts_with(p));
    sink.tenant_in_scope && sink.parts.has_record_id() && !system
}
