//! What the request-input family decides from lint-core's request flows: which checks count,
//! and which precision assumptions the user has switched on.

use lint_core::http::InputKind;
use lint_core::rule::RuleContext;
use lint_core::taint::{FailOpen, FnFlow, Origin, RequestSource, Use};

/// Precision assumptions. Each trades recall for quiet: the fixture
/// `fixtures/tenant-from-request/assumptions/` shows the bug each one hides. The first two are
/// off unless configured; the others are on by default (`= false` switches them off): without
/// the third, every handler behind a workspace-in-path authentication extractor whose check is
/// not followed yet (a token looked up together with the path's workspace) is reported; without
/// the fourth, every handler behind middleware that verifies the tenant in the URL is; without
/// the fifth, every operator endpoint that acts on the tenant it is given; without the sixth,
/// every operator route behind an administrator token whose meaning the code does not show (a
/// secret compared elsewhere); without the seventh, every tenant handed to a library's access
/// check the analysis cannot read; without the ninth, every check made through a trait that
/// also has an always-allow impl.
#[derive(Clone, Copy, Debug, Default)]
pub struct Assumptions {
    /// `trust-any-route-layer`: a verifying extractor installed as a route layer anywhere in
    /// the workspace clears tenants in the URL of every handler, not only of the handlers
    /// registered under it.
    pub any_route_layer: bool,
    /// `trust-calls-with-identity`: a call that takes the client tenant together with a value
    /// of the verified identity checks the tenant, whatever the callee does.
    pub calls_with_identity: bool,
    /// `trust-identity-extractors-reading-path`: an authentication extractor that reads the
    /// request path (a handler parameter, or a route layer over the handler) verifies the
    /// tenant named there, though no check is seen.
    pub identity_extractors_reading_path: bool,
    /// `trust-path-checking-middleware`: middleware installed as a layer over the handler that
    /// checks a segment of the request path verifies every tenant in the handler's path,
    /// though which segment it checks is not followed (`/{org}/move/{target_org}`).
    pub path_checking_middleware: bool,
    /// `trust-operator-tenant`: a handler that compares its verified URL tenant with a literal
    /// (`if org != "_meta" { return .. }`) serves an operator tenant, whose members act on any
    /// tenant: its other tenant inputs are taken as the operator's choice. A literal that
    /// names a tenant every user joins (`"default"`) hides a bug. A handler authenticated only
    /// by an instance-wide credential object ([`FnFlow::operator_credential`]) serves the
    /// operators too: a key checked that way but given beyond them hides a bug.
    pub operator_tenant: bool,
    /// `trust-admin-named-guards`: an extractor whose type is named like an administrator
    /// guard (`AdminToken`, `RequireAdmin`) and that reads no tenant restricts the route to
    /// instance administrators, though its code shows no administrator check.
    pub admin_named_guards: bool,
    /// `trust-verifier-names`: a call the analysis cannot see into (a library's) whose name
    /// says it checks access (`is_member`, `authorize`) checks the tenants it takes. Workspace
    /// functions are judged by their code whatever their names.
    pub verifier_names: bool,
    /// `trust-route-registrations`: when the workspace registers its routes where the
    /// analysis reads them, a function that reads the request but that nothing registers,
    /// calls or names is no entry point. A route registered by a macro the analysis cannot
    /// read hides its bugs.
    pub route_registrations: bool,
    /// `trust-switchable-checks`: a check made through a trait whose other impls always
    /// allow (`Ok(())` whatever they are given: a no-op access control for deployments that
    /// switch it off) counts. A deployment that installs the always-allow impl hides a bug.
    pub switchable_checks: bool,
}

/// The option keys of [`Assumptions`], for the rule's declaration.
pub const ASSUMPTION_OPTIONS: [&str; 9] = [
    "trust-any-route-layer",
    "trust-calls-with-identity",
    "trust-identity-extractors-reading-path",
    "trust-path-checking-middleware",
    "trust-operator-tenant",
    "trust-admin-named-guards",
    "trust-verifier-names",
    "trust-route-registrations",
    "trust-switchable-checks",
];

impl Assumptions {
    pub fn from_options(cx: &RuleContext<'_>) -> Assumptions {
        let [layer, calls, path, middleware, operator, admin, names, registrations, switchable] =
            ASSUMPTION_OPTIONS;
        Assumptions {
            any_route_layer: cx.bool_option(layer, false),
            calls_with_identity: cx.bool_option(calls, false),
            identity_extractors_reading_path: cx.bool_option(path, true),
            path_checking_middleware: cx.bool_option(middleware, true),
            operator_tenant: cx.bool_option(operator, true),
            admin_named_guards: cx.bool_option(admin, true),
            verifier_names: cx.bool_option(names, true),
            route_registrations: cx.bool_option(registrations, true),
            switchable_checks: cx.bool_option(switchable, true),
        }
    }
}

/// Whether the function is a request entry point, or reached from one, under these
/// assumptions: one that nothing registers, calls or names receives no request.
pub fn receives_requests(flow: &FnFlow, assume: Assumptions) -> bool {
    !(assume.route_registrations && flow.unregistered)
}

/// Whether a value is checked, under these assumptions.
pub fn is_checked(flow: &FnFlow, origin: Origin, assume: Assumptions) -> bool {
    let operator = assume.operator_tenant
        && flow
            .pinned_tenant
            .is_some_and(|pinned| pinned != origin && is_checked_alone(flow, pinned, assume));
    operator || is_checked_alone(flow, origin, assume)
}

/// [`is_checked`] of one value by its own checks, whatever the function's other inputs are.
fn is_checked_alone(flow: &FnFlow, origin: Origin, assume: Assumptions) -> bool {
    let in_path = flow
        .source(origin)
        .is_some_and(|s| s.kind == InputKind::PathParam);
    let url_verified = (assume.any_route_layer && flow.verified_by_layer)
        || (assume.identity_extractors_reading_path
            && (flow.identity_path_extractor.is_some() || flow.identity_path_layer))
        || (assume.path_checking_middleware && flow.path_guarded_by_layer && in_path);
    if assume.admin_named_guards && flow.admin_named_guard.is_some() {
        return true;
    }
    if assume.operator_tenant && flow.operator_credential.is_some() {
        return true;
    }
    flow.is_checked_by(
        origin,
        |c| {
            (assume.calls_with_identity || !c.called_with_identity)
                && (assume.verifier_names || !c.by_name)
                && (assume.switchable_checks || !c.switchable)
        },
        url_verified,
    )
}

/// Client-supplied tenant identifiers that reach a use without a check, with their uses.
pub fn unchecked_tenant_uses(
    flow: &FnFlow,
    assume: Assumptions,
) -> Vec<(&RequestSource, Vec<&Use>)> {
    flow.tenant_uses_unless(|o| is_checked(flow, o, assume))
}

/// Fallbacks whose value goes on to a use or back to the caller: a default tenant that never
/// reaches anything puts no request in a shared tenant, and neither does one that a test
/// rejects before any use (`if p.is_empty() { return Err(..) }`).
pub fn fail_open_reaching_use(flow: &FnFlow) -> impl Iterator<Item = &FailOpen> {
    flow.fail_open
        .iter()
        .filter(|f| !f.rejected && flow.reaches(f.origin))
}
