use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::rule::{Rule, RuleContext, RuleMeta};

use super::helpers::{self, Assumptions};

declare_rule! {
    /// ## What it does
    /// Finds tenant identifiers that come from client-controlled input (a header such as
    /// `x-tenant-id`, a path or query parameter, a body field, a cookie, gRPC metadata) and
    /// reach a SQL bind, an ORM filter, a cache or storage key, a tenant context or a custom
    /// extractor's output without being checked against the verified identity. The value is
    /// followed through lets, destructuring, method chains, `Option`/`Result` combinators,
    /// `match` arms, workspace helpers and custom extractors (axum, actix-web, rocket, poem,
    /// warp, salvo, tonic). A value the code binds where SQL compares or inserts a tenant
    /// column is a tenant id whatever it is called (`Path(id)` bound at `tenant_id = $1`).
    /// A deserialised body or query handed whole to core code is followed field by field:
    /// its tenant-named field (`req.org_id`), read by the callee, by a method of the request
    /// type (`req.to_row()` reading `self.org_id`, also through a trait impl) or by an enum
    /// built from it and matched in a method (`Choice::Existing { org_id }`), is reported at
    /// the call as the request's tenant. A wrapper that authenticates and then runs a closure
    /// with the payload it was given (`wrap(payload, |auth, req| core(req))`, through any
    /// number of forwarding wrappers) runs the closure with that payload. Verifying one tenant
    /// (the route's, or the one a header names) says nothing of another the body names.
    ///
    /// It stays silent when the tenant is compared with a value from the verified identity
    /// (`if org_id != claims.org_id { return Err(..) }`, `assert_eq!`, `ensure!`), passed to a
    /// membership or authorization check together with the principal, put into an auth object
    /// whose methods compare that field (`OrgFromRoute { org_id }` whose `authenticate`
    /// compares `self.org_id` with the token's; when the tenant goes to several such objects,
    /// one picked at run time, each must check it, and a wrapper that may authenticate without
    /// running the object it wraps cancels the check), or behind an instance-administrator gate
    /// (`require_super_admin`, an `AdminToken` guard). A tenant in the URL (multi-organization
    /// APIs, `/orgs/{org_id}/...`) is also accepted when the handler takes an extractor that
    /// verifies it, or when the function that registers the handler (or a router-building
    /// function that calls it) installs such an extractor as a layer
    /// (`route_layer(from_extractor::<Authed>())`). Extractors are inferred to verify when they
    /// (or the helpers they call) compare the tenant or a path segment with a trusted value,
    /// look up a membership by tenant and user, or build on another verifying extractor. The
    /// user is identity-derived when it comes from the verified identity or from code that
    /// verifies a credential (`jsonwebtoken::decode`, directly or in a helper). An extractor
    /// that checks one input (the organization a header names) verifies that input for the
    /// handlers behind it, and the URL's tenant only if it checked a URL input.
    ///
    /// A policy engine counts as a check when it is asked about the tenant together with the
    /// verified identity and its denial stops the request or is the function's result:
    /// casbin's `enforce` (`if !allowed { return Err(..) }`), oso's `is_allowed` and
    /// `authorize(..)?`, cedar-policy's `Authorizer::is_authorized` on a request built from
    /// both (`if response.decision() != Decision::Allow { return .. }`). An answer that is
    /// dropped or only logged checks nothing, and neither does one about a principal the
    /// client names. A workspace trait method checks only if every impl does, an impl that
    /// only allows (`Ok(())` whatever it is given) aside (`trust-switchable-checks`).
    ///
    /// An endpoint that authenticates its request by a signature and stops on a bad one (an
    /// incoming webhook: hmac's `verify_slice`, ring's `hmac::verify`, a constant-time
    /// comparison of the computed tag with the header's, in the handler, a helper it calls
    /// or an extractor it takes) was sent by the holder of the secret: the tenants its path
    /// and body name are addresses, not claims, and are not reported.
    ///
    /// It also reports a request-derived tenant identifier (a client input, or a tenant of
    /// the verified identity) with a fail-open fallback (`unwrap_or("default")`,
    /// `unwrap_or_default()`, `unwrap_or(Uuid::nil())`) when the value after the fallback is
    /// used or returned, unless a test that holds for the fallback value stops the function
    /// before any use (`let p = v.to_str().unwrap_or_default(); if p.is_empty() { return
    /// Err(..) }`, `if t == "none" { return .. }` after `unwrap_or("none")`).
    ///
    /// Not followed yet: the fields of a client value that is not itself the request struct
    /// (an element of a list in the body, an object built from a body field); a method
    /// resolved by its name alone (its receiver's type unknown) is applied only where every
    /// candidate agrees, and its checks of the receiver are not credited. A check anywhere in
    /// the function clears the tenant, even one made after its use.
    ///
    /// ## Why is this bad?
    /// Anyone can send any header or URL. A tenant id taken from the request lets a user of one
    /// tenant read and write another tenant's data by changing one value. A fallback tenant
    /// silently puts requests without a tenant into a shared one.
    ///
    /// ## Example
    /// ```rust
    /// async fn list(headers: HeaderMap, State(db): State<PgPool>) -> Result<Json<Vec<Doc>>> {
    ///     let tenant_id = headers.get("x-tenant-id").and_then(|v| v.to_str().ok()).unwrap();
    ///     let docs = sqlx::query_as("SELECT * FROM documents WHERE tenant_id = $1")
    ///         .bind(tenant_id)
    ///         .fetch_all(&db)
    ///         .await?;
    ///     Ok(Json(docs))
    /// }
    /// ```
    ///
    /// ## Use instead
    /// Take the tenant from the verified identity:
    /// ```rust
    /// async fn list(Extension(claims): Extension<Claims>, State(db): State<PgPool>) -> Result<Json<Vec<Doc>>> {
    ///     let docs = sqlx::query_as("SELECT * FROM documents WHERE tenant_id = $1")
    ///         .bind(claims.tenant_id)
    ///         .fetch_all(&db)
    ///         .await?;
    ///     Ok(Json(docs))
    /// }
    /// ```
    /// or, for multi-organization APIs with the organization in the path, check membership first:
    /// ```rust
    /// async fn list(Path(org_id): Path<Uuid>, Extension(user): Extension<AuthUser>, ...) -> ... {
    ///     require_membership(&db, org_id, user.id).await?;
    ///     ...
    /// }
    /// ```
    ///
    /// ## Options
    /// Workspace keys in `tenantlint.toml`:
    /// - `tenant-verifiers`: names or paths of functions and methods that check a tenant against
    ///   the authenticated principal (`["require_org_member", "authz::check"]`), and extractor
    ///   types whose presence verifies the request's tenant. Workspace functions and
    ///   extractors that compare the tenant with a trusted value, query it together with the
    ///   user, or ask a policy engine, are recognized without configuration, and so are
    ///   library calls whose names say they check access (`trust-verifier-names`).
    /// - `trusted-sources`: extractor types and request members whose values come from the
    ///   verified identity, beside the built-in ones (types named like `Claims`, `Session`,
    ///   `AuthUser`, `Authenticated`, `Principal`, `Identity`, `Extension<_>`, and
    ///   `req.extensions()`).
    /// - `tenant-headers`: header names that carry the tenant, beside the `tenant-columns`
    ///   vocabulary (`tenant_id` also matches `tenantId`, `X-Tenant-Id`).
    ///
    /// Rule options (`[rules.tenant-from-request]`), precision assumptions that each hide real
    /// bugs (`fixtures/tenant-from-request/assumptions/`); the first two are off by default:
    /// - `trust-any-route-layer = true`: a verifying extractor installed as a route layer
    ///   anywhere clears URL tenants of every handler, not only of the routes registered with it.
    /// - `trust-calls-with-identity = true`: passing the tenant to any call together with a
    ///   value of the verified identity counts as a check, whatever the callee does.
    /// - `trust-identity-extractors-reading-path` (on by default; `= false` to switch off): an
    ///   authentication extractor that reads the request path, taken by the handler or
    ///   installed as a route layer over it, is taken to verify the tenant named there, though
    ///   its check is not seen. On by default because such extractors commonly resolve the
    ///   principal within the path's tenant through a token cache or a membership query keyed
    ///   by both, which the analysis does not follow yet; switch it off to audit them.
    /// - `trust-path-checking-middleware` (on by default; `= false` to switch off): middleware
    ///   installed as a layer over the handler's routes (`layer(from_fn(org_access))`, by the
    ///   function that registers the handler or a router-building function it calls) that
    ///   reads the request path and checks a segment of it against the verified identity
    ///   (compares it, or looks up a membership keyed by it and the principal) verifies every
    ///   tenant in the handler's path. Which segment it checks is not followed, so a route with
    ///   a second tenant in its path (`/{org_id}/move/{target_org_id}`) hides a bug.
    /// - `trust-operator-tenant` (on by default; `= false` to switch off): a handler that
    ///   compares its verified URL tenant with a literal and so serves one fixed tenant
    ///   (`if org_id != "_meta" { return Err(..) }`, an operator organization) acts on other
    ///   tenants by design: the tenants in its body or query are the operator's choice. A
    ///   literal naming a tenant every user belongs to (`"default"`) hides a bug. Likewise a
    ///   handler whose only authentication is an auth object holding one instance-wide
    ///   credential (every method of it that authenticates compares a request input with a
    ///   server value, reads no tenant and no field of the object, and yields no principal,
    ///   `Result<(), _>`: an operator key compared with the configured one) serves the
    ///   instance's operators, and the tenants it is given are theirs to choose. When another
    ///   auth object may run instead, the handler is judged as before. A key so checked but
    ///   shared beyond the operators (a per-tenant key checked without naming its tenant)
    ///   hides a bug.
    /// - `trust-admin-named-guards` (on by default; `= false` to switch off): an extractor
    ///   named like an administrator guard (`AdminToken`, `RequireAdmin`) that reads no tenant
    ///   is taken to restrict the route to instance administrators, though its code shows no
    ///   administrator check (an admin token compared with a configured secret). An extractor
    ///   that reads a tenant is judged by its code whatever its name: one that checks the
    ///   caller's role in the tenant a header names verifies that header, not another tenant
    ///   in the path.
    /// - `trust-verifier-names` (on by default; `= false` to switch off): a call whose code
    ///   the analysis cannot read (a library's) and whose name says it checks access
    ///   (`is_member`, `authorize`, `check_access`) checks the tenants it takes, and so does
    ///   a workspace function so named that reads the tenant (it may hand it to a library's
    ///   check the analysis cannot read). Otherwise a workspace function is judged by its
    ///   code, whatever its name: a stub that ignores the tenant checks nothing.
    /// - `trust-route-registrations` (on by default; `= false` to switch off): when the
    ///   workspace registers route handlers where the analysis reads the registration (axum
    ///   `get(list)`, actix `.to(list)`/`.service(list)`/`configure(routes)`, tonic
    ///   `add_service`, poem `at`), a function that reads the request but has no route
    ///   attribute and that no registration, call, `use` import or other code names receives
    ///   no request and is not reported (an old handler kept only in a utoipa
    ///   `#[openapi(paths(..))]` document, which registers nothing). A route the workspace registers in a way the
    ///   analysis cannot read (a macro that builds the router) hides the bugs of its handler.
    /// - `trust-switchable-checks` (on by default; `= false` to switch off): a check made
    ///   through a trait object whose impls include ones that always allow (a
    ///   method that is only `Ok(())` or `true`, whatever it is given: the no-op access
    ///   control a deployment installs to switch checking off) counts when every other impl
    ///   checks. A deployment that installs the always-allow impl has no check, and its bugs
    ///   are hidden.
    pub struct TenantFromRequest {
        id: "tenant-from-request",
        category: Isolation,
        summary: "tenant identifier taken from client-controlled input without a check against the verified identity",
        cheat_sheet: "Tenant Identification: never trust client-supplied tenant identifiers",
        options: ["trust-any-route-layer", "trust-calls-with-identity", "trust-identity-extractors-reading-path", "trust-path-checking-middleware", "trust-operator-tenant", "trust-admin-named-guards", "trust-verifier-names", "trust-route-registrations", "trust-switchable-checks"],
        cwe: 639,
        precision: "high",
        security_severity: "8.8",
        needs: [RequestFlows],
    }
}

/// At most this many uses are labelled; the message says how many there are.
const MAX_USE_LABELS: usize = 3;

impl Rule for TenantFromRequest {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let assume = Assumptions::from_options(cx);
        let mut findings = Vec::new();
        for flow in &cx.file.request_flows {
            if !helpers::receives_requests(flow, assume) {
                continue;
            }
            for (source, uses) in helpers::unchecked_tenant_uses(flow, assume) {
                let input = source.describe();
                let Some(first) = uses.first() else { continue };
                let more = match uses.len() {
                    1 => String::new(),
                    n => format!(" (and {} more uses)", n - 1),
                };
                let mut finding = Finding::new(
                    format!(
                        "tenant id from client-controlled {input} is used as {}{more} without a check against the verified identity",
                        first.detail
                    ),
                    source.span,
                )
                .primary_label(format!("client-controlled {input}"));
                for u in uses.iter().take(MAX_USE_LABELS) {
                    finding = finding.label(u.span, format!("used as {}", u.detail));
                }
                if let Some(principal) = flow.trusted_param {
                    finding = finding.label(
                        principal,
                        "the verified identity is available here, but the tenant is never compared with it",
                    );
                }
                findings.push(finding.help(
                    "take the tenant from the verified identity (token claims, session, authenticated user) \
                     instead; if the API names the tenant in the request, compare it with the verified tenant \
                     or check membership (a `tenant-verifiers` function) before using it",
                ));
            }
            for fo in helpers::fail_open_reaching_use(flow) {
                findings.push(
                    Finding::new(
                        format!(
                            "tenant id {} falls back to a constant when missing, putting the request in a shared tenant",
                            fo.what
                        ),
                        fo.span,
                    )
                    .primary_label("fail-open fallback")
                    .help("reject the request when the tenant is missing (return an error) instead of defaulting it"),
                );
            }
        }
        for f in findings {
            cx.report(f);
        }
    }
}
