//! Calls that check a tenant by their name. A workspace function is judged by its code (its
//! summary); a name decides only for a call configured in `tenant-verifiers`, for a call the
//! analysis cannot see into (a library's, a macro's) whose name says it checks access
//! (`is_member`, `authorize`), and for a workspace function so named that reads the tenant
//! (`FnSummary::param_named_check`; a stub that ignores the tenant checks nothing): the last
//! two are checks the rule honours under `trust-verifier-names`.

use super::Eval;
use crate::facts::http;
use crate::ir::{ExprId, ExprKind};
use crate::knowledge::http::authz;

/// Why a call's name makes it a tenant check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ByName {
    /// Configured in `tenant-verifiers`.
    Configured,
    /// Named like a check (`is_member`), with no workspace code to judge it by.
    Words,
}

impl Eval<'_> {
    /// Whether the call at `site` (a function path, or a method name) checks its arguments
    /// by its name. Never a policy engine: its answer counts where it stops the request.
    pub(super) fn verifier_by_name(&self, site: ExprId, path: &[String]) -> Option<ByName> {
        if http::is_configured_verifier(path, &self.ws.config) {
            return Some(ByName::Configured);
        }
        let workspace = self
            .ws
            .call_graph
            .call_targets(self.file_index, site)
            .next()
            .is_some();
        let named = path.last().is_some_and(|n| http::has_verifier_words(n));
        (named && !workspace && authz::policy_decision(path, &self.file.uses).is_none())
            .then_some(ByName::Words)
    }
}

impl Eval<'_> {
    /// A workspace call that hands a role or scope of no particular tenant (`Scope::Admin`)
    /// to a parameter every callee checks against something trusted: it gates the whole
    /// function to that role, like an administrator check.
    pub(super) fn workspace_role_gate(&self, site: ExprId, args: &[ExprId], method: bool) -> bool {
        let callees = self.callee_summaries(site);
        !callees.is_empty()
            && args.iter().enumerate().any(|(i, a)| {
                let role = matches!(&self.file.expr(self.file.strip(*a)).kind,
                    ExprKind::Path(p) if http::is_role_or_scope(&p.segments));
                role && callees.iter().all(|s| {
                    i.checked_sub(usize::from(s.has_self && !method))
                        .is_some_and(|p| {
                            s.param_checked.get(p).copied().unwrap_or(false)
                                || s.param_named_check.get(p).copied().unwrap_or(false)
                        })
                })
            })
    }
}
