//! Checks made by calling a library: a policy engine asked about the client's tenant and the
//! verified identity (`knowledge/http/authz.rs`), and a signature verifier that authenticates
//! the request (`knowledge/http/signatures.rs`). Each counts only where its "no" stops the
//! function or is the function's result (`facts/decisions.rs`).

use super::{Check, Eval, Origin, Val};
use crate::ir::{ExprId, ExprKind};
use crate::knowledge::http::authz::{self, Denial};
use crate::knowledge::http::signatures;
use crate::span::Span;
use std::collections::HashSet;

/// A library check whose arguments are being evaluated, with the values collected outside it.
pub(super) struct PendingCheck {
    check: LibraryCheck,
    outer: Option<Vec<(Span, Val)>>,
}

/// What a library call checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LibraryCheck {
    /// Asks a policy engine.
    Policy(Denial),
    /// Builds the request a policy engine is then asked about (cedar's `Request::new`).
    PolicyRequest,
    /// Compares a signature with the one the client sent.
    Signature(Denial),
}

impl Eval<'_> {
    /// The library check a call expression makes, if any: by the file's imports and the
    /// knowledge tables, or a workspace function that verifies a signature (every function
    /// the call graph resolves it to).
    pub(super) fn library_check(&self, id: ExprId) -> Option<LibraryCheck> {
        let uses = &self.file.uses;
        match &self.file.expr(id).kind {
            ExprKind::MethodCall { method, .. } => {
                let name = std::slice::from_ref(&method.name);
                authz::policy_decision(name, uses)
                    .map(LibraryCheck::Policy)
                    .or_else(|| {
                        signatures::verifying_method(&method.name, uses)
                            .map(LibraryCheck::Signature)
                    })
                    .or_else(|| self.signature_helper(id))
            }
            ExprKind::Call { func, .. } => {
                let ExprKind::Path(p) = &self.file.expr(*func).kind else {
                    return None;
                };
                if authz::is_policy_request(&p.segments, uses) {
                    return Some(LibraryCheck::PolicyRequest);
                }
                authz::policy_decision(&p.segments, uses)
                    .map(LibraryCheck::Policy)
                    .or_else(|| {
                        signatures::verifying_function(&p.segments, uses)
                            .map(LibraryCheck::Signature)
                    })
                    .or_else(|| self.signature_helper(id))
            }
            _ => None,
        }
    }

    /// A call of workspace functions that all verify a signature and fail when it is wrong.
    fn signature_helper(&self, id: ExprId) -> Option<LibraryCheck> {
        let summaries = self.callee_summaries(id);
        (!summaries.is_empty() && summaries.iter().all(|s| s.verifies_signature))
            .then_some(LibraryCheck::Signature(Denial::Err))
    }

    /// The calls of this function whose library check decides whether it goes on.
    pub(super) fn deciding_library_calls(&self) -> HashSet<ExprId> {
        let function = self.file.function(self.flow.function);
        let decision = |id: ExprId| match self.library_check(id)? {
            LibraryCheck::Policy(d) | LibraryCheck::Signature(d) => Some(d),
            LibraryCheck::PolicyRequest => None,
        };
        crate::facts::decisions::deciding_calls(
            self.file,
            function,
            &self.ws.returning_macros,
            &decision,
        )
    }

    /// Starts collecting the values of a library check's arguments (and receiver).
    pub(super) fn begin_library_check(&mut self, id: ExprId) -> Option<PendingCheck> {
        let check = self.library_check(id)?;
        Some(PendingCheck {
            check,
            outer: self.collected.replace(Vec::new()),
        })
    }

    /// Records what a library check establishes, from the values its arguments carried.
    pub(super) fn end_library_check(
        &mut self,
        id: ExprId,
        PendingCheck { check, outer }: PendingCheck,
        span: Span,
    ) {
        let seen = std::mem::replace(&mut self.collected, outer).unwrap_or_default();
        if let Some(outer) = &mut self.collected {
            outer.extend(&seen);
        }
        // A policy engine's receiver is the engine, not the principal or the resource.
        let engine = match (&self.file.expr(id).kind, check) {
            (ExprKind::MethodCall { receiver, .. }, LibraryCheck::Policy(_)) => {
                Some(self.file.expr(*receiver).span)
            }
            _ => None,
        };
        let seen: Vec<Val> = seen
            .into_iter()
            .filter(|(at, _)| engine.is_none_or(|e| !(e.start <= at.start && at.end <= e.end)))
            .map(|(_, v)| v)
            .collect();
        let origins: Vec<Origin> = seen
            .iter()
            .filter_map(|v| match v {
                Val::Value(o) => Some(*o),
                _ => None,
            })
            .fold(Vec::new(), |mut acc, o| {
                if !acc.contains(&o) {
                    acc.push(o);
                }
                acc
            });
        let deciding = self.deciding.contains(&id);
        match check {
            LibraryCheck::PolicyRequest => {
                if seen.contains(&Val::Trusted) {
                    self.bundled_with_identity.extend(&origins);
                }
            }
            LibraryCheck::Policy(_) if deciding => {
                // The principal: the verified identity, a caller's parameter beside the
                // resource (a port's impl), or a request built with the identity.
                let from_caller = origins.iter().any(|o| {
                    matches!(
                        o,
                        Origin::Param(_) | Origin::ParamField(_) | Origin::SelfField(_)
                    )
                });
                let identity = seen.contains(&Val::Trusted)
                    || (from_caller && origins.len() >= 2)
                    || origins
                        .iter()
                        .any(|o| self.bundled_with_identity.contains(o));
                if identity {
                    for origin in origins {
                        self.flow.checks.push(Check {
                            origin,
                            span,
                            called_with_identity: false,
                            by_name: false,
                            switchable: false,
                        });
                    }
                }
            }
            LibraryCheck::Signature(_) if deciding => {
                let from_client = seen.iter().any(|v| {
                    matches!(
                        v,
                        Val::Carrier(_)
                            | Val::Value(
                                Origin::Source(_) | Origin::Param(_) | Origin::ParamField(_)
                            )
                    )
                });
                if from_client {
                    self.flow.signature_check.get_or_insert(span);
                }
            }
            LibraryCheck::Policy(_) | LibraryCheck::Signature(_) => {}
        }
    }
}
