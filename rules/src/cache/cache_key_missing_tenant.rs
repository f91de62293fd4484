use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::keys::{is_removal, Family, SinkKind};
use lint_core::rule::{Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds keys handed to a shared cache or key-value store that have no tenant component:
    /// redis commands (`get`, `set_ex`, `hset`, `incr`, `redis::cmd(..).arg(..)`, pipelines) on
    /// redis, deadpool-redis, bb8-redis and fred clients; `get`, `insert`, `get_with`,
    /// `invalidate` on moka, mini-moka and quick_cache caches; and the `cached` crate's
    /// `#[cached]` functions; and maps held in a `static` (`LazyLock<DashMap<K, V>>`,
    /// `OnceLock<RwLock<HashMap<K, V>>>`), one table every request of the process shares, where
    /// the function using it handles a tenant value (a static map of cluster nodes or regions
    /// holds no tenant data) and outside tests. The
    /// receiver is recognised from its declared type, so a local `HashMap` is not a cache.
    ///
    /// A key has a tenant component when one of its parts is a tenant value (a binding or field
    /// named like a tenant column, a tenant type such as `TenantId`), or a call to a workspace
    /// function that builds the key from one. `format!` arguments, tuple and struct keys, and
    /// local bindings are followed. Rate-limit and counter keys built only from a user id or an
    /// IP address are reported too. Not reported: keys made only of a secret (a session token:
    /// holding it is the authorisation), caches reached through one tenant (`tenant.cache`,
    /// `self.cache` in `impl Tenant`), deletions and expiries (they serve nothing), and keys
    /// handed in whole by the caller (judged where they are built), and keys used after a query
    /// in the same function filtered by the tenant column (the record was looked up as the
    /// tenant's first).
    ///
    /// With `require-tenant-in-package` (on by default), keys are judged only in Cargo packages
    /// whose code handles a tenant value somewhere (a binding, field, parameter or type of the
    /// tenant vocabulary). A package with no tenant at all (a connection proxy that caches per
    /// endpoint, whose ids each belong to one customer) has no tenant to put in a key. Set it to
    /// `false` when a package receives the tenant under a name the configuration does not know.
    ///
    /// With `memo-by-key` (on by default), a map held in a `static` whose every write stores a
    /// value computed from nothing but what its key is computed from (an interning memo:
    /// `MAP.insert(cfg.region.clone(), Box::leak(..cfg.region..))`) is not judged: whoever asks
    /// for a key gets what they would have computed themselves. A static written only when it
    /// is first initialised, or whose copies (`values().cloned().collect()`) are extended, is a
    /// constant table. Set `memo-by-key = false` when the value also depends on something the
    /// linter cannot see (a task-local tenant read inside a called function).
    ///
    /// ## Why is this bad?
    /// A cache is shared by every tenant. A key such as `doc:{id}` caches what one tenant read
    /// under a name any other tenant can ask for: the database query was scoped to the tenant,
    /// but the cache hit in front of it is not, and tenant B is served tenant A's document.
    ///
    /// ## Example
    /// ```rust
    /// let key = format!("doc:{id}");
    /// let cached: Option<String> = conn.get(&key).await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// let key = format!("tenant:{}:doc:{id}", claims.tenant_id);
    /// let cached: Option<String> = conn.get(&key).await?;
    /// ```
    /// or key an in-process cache by `(TenantId, DocId)`.
    pub struct CacheKeyMissingTenant {
        id: "cache-key-missing-tenant",
        category: Isolation,
        summary: "cache key without a tenant component",
        cheat_sheet: "Caching: include the tenant in every cache key",
        options: ["require-tenant-in-package", "memo-by-key"],
        cwe: 639,
        precision: "high",
        security_severity: "7.5",
        needs: [KeySinks],
    }
}

/// Option: judge keys only in Cargo packages whose code handles a tenant value.
const REQUIRE_TENANT_IN_PACKAGE: &str = "require-tenant-in-package";
/// Option: a process-wide map whose every write stores a value computed from the key alone
/// (an interning memo) is not a tenant cache.
const MEMO_BY_KEY: &str = "memo-by-key";

impl Rule for CacheKeyMissingTenant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let ws = cx.workspace;
        if cx.bool_option(REQUIRE_TENANT_IN_PACKAGE, true)
            && !ws
                .keys
                .package_handles_tenant(&ws.root, &cx.file.source.rel_path)
        {
            return;
        }
        let memo_by_key = cx.bool_option(MEMO_BY_KEY, true);
        let mut findings = Vec::new();
        for sink in &cx.file.key_sinks {
            if sink.value_from_key && memo_by_key {
                continue;
            }
            // Dropping an entry cannot serve it to another tenant; the reads are what matter.
            if sink.kind() != SinkKind::Cache
                || is_removal(&sink.op)
                || !sink.parts.lacks_tenant()
                || sink.record_checked
            {
                continue;
            }
            // A static map also holds the process's own tables (cluster nodes, regions): it is
            // a tenant cache where the code using it handles a tenant, outside tests.
            if sink.family == Family::ProcessMap
                && (!sink.tenant_in_scope || cx.file.is_test_code(sink.function))
            {
                continue;
            }
            findings.push(
                Finding::new(
                    format!(
                        "cache key has no tenant component (built from {})",
                        sink.parts.dynamic_names()
                    ),
                    sink.key,
                )
                .primary_label("no tenant in this key")
                .label(
                    sink.call,
                    format!("`{}` on a {} shared by all tenants", sink.op, sink.family.name()),
                )
                .help(
                    "put the tenant in the key (`format!(\"{tenant_id}:...\")`, a `(tenant_id, id)` tuple), \
                     so one tenant's entry is never served to another",
                ),
            );
        }
        for f in findings {
            cx.report(f);
        }
    }
}
