//! Where a value comes from: the one query rules ask of the value-flow engine ("the provenance
//! of this expression, or of this call's argument, in this function, on which request path").
//!
//! The answer comes from the flow pass ([`crate::taint`]: client inputs, the verified identity,
//! parameters, fields of `self`), from the request paths that feed a parameter
//! ([`crate::client_reach`]), and, for values the flow pass does not track, from what the
//! expression is: a literal, an enum variant, a call that generates a value on the server
//! ([`crate::knowledge::server_values`]), or a row read by a query anchored to one tenant. A
//! `let`-bound name is followed to its initializer.

use crate::client_reach::{describe_fn, ClientPath};
use crate::facts::workspace::{AnalyzedFile, Workspace};
use crate::ir::{ExprId, ExprKind, FnId, Lit};
use crate::knowledge::server_values;
use crate::taint::{Origin, Val};

/// Where a value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provenance {
    /// The client chose it: the request input, and the functions it passed through from the
    /// one that read it (`checked`: compared with the verified identity in that function).
    Client { path: ClientPath, checked: bool },
    /// It derives from the verified principal. `verified_by` names what verifies it when a
    /// caller knows more than the flow pass (an extractor, a middleware); the flow pass itself
    /// takes the identity types and members of the configuration and of its vocabulary.
    Identity { verified_by: Option<String> },
    /// A column of a row read by a query whose every table is anchored to one tenant.
    TenantRow,
    /// Made by the server (`Uuid::new_v4`, a clock, a random number): the name of the call.
    ServerGenerated(String),
    /// A string, boolean or character literal, or a `const`.
    Constant,
    /// An enum variant (`Role::Admin`).
    EnumLiteral,
    /// A number literal.
    Integer,
    /// The function's parameter at this index (`self` not counted), which no client value
    /// reaches on any request path the call graph shows.
    Parameter(u32),
    /// A field of `self` (what the object was built with).
    SelfField(String),
    /// None of the above is known.
    Unknown,
}

/// How many `let` initializers and field bases one question follows.
const MAX_DEPTH: usize = 6;

/// The provenance of the value of `expr` in `function` of `file`.
pub fn of_expr(file: &AnalyzedFile, ws: &Workspace, function: FnId, expr: ExprId) -> Provenance {
    of_expr_within(file, ws, function, expr, MAX_DEPTH)
}

/// The provenance of argument `arg` (0-based, receiver not counted) of the call `call`, in the
/// function the call is in.
pub fn of_argument(file: &AnalyzedFile, ws: &Workspace, call: ExprId, arg: usize) -> Provenance {
    let Some(rust) = &file.rust else {
        return Provenance::Unknown;
    };
    let args = match &rust.expr(call).kind {
        ExprKind::Call { args, .. } | ExprKind::MethodCall { args, .. } => args,
        _ => return Provenance::Unknown,
    };
    let function = rust
        .calls
        .iter()
        .find(|(c, _)| *c == call)
        .and_then(|c| c.1);
    match (args.get(arg), function) {
        (Some(a), Some(f)) => of_expr(file, ws, f, *a),
        _ => Provenance::Unknown,
    }
}

fn of_expr_within(
    file: &AnalyzedFile,
    ws: &Workspace,
    function: FnId,
    expr: ExprId,
    depth: usize,
) -> Provenance {
    let Some(file_index) = ws.call_graph.file_index(&file.source.rel_path) else {
        return Provenance::Unknown;
    };
    let (val, flow) = crate::taint::value_of(file_index, file, ws, function, expr);
    let here = || vec![describe_fn(file, function)];
    match (val, &flow) {
        (Some(Val::Value(origin @ Origin::Source(_))), Some(flow)) => {
            let input = flow
                .source(origin)
                .map_or_else(|| "a request value".into(), |s| s.describe());
            Provenance::Client {
                path: ClientPath {
                    input,
                    functions: here(),
                },
                checked: flow.is_checked(origin),
            }
        }
        (Some(Val::Carrier(kind)), _) => {
            let name = file.rust.as_ref().and_then(|r| r.as_ident(expr));
            Provenance::Client {
                path: ClientPath {
                    input: kind.describe(name.unwrap_or("request input")),
                    functions: here(),
                },
                checked: false,
            }
        }
        (Some(Val::Value(o @ (Origin::Param(_) | Origin::ParamField(_)))), _) => {
            let i = match (o, &flow) {
                (Origin::Param(i), _) => i,
                (_, Some(flow)) => flow.param_of(o).unwrap_or_default(),
                _ => return Provenance::Unknown,
            };
            match ws.client_reach.param(&file.source.rel_path, function, i) {
                Some(path) => Provenance::Client {
                    path: path.clone(),
                    checked: false,
                },
                None => Provenance::Parameter(i),
            }
        }
        (Some(Val::Value(Origin::SelfField(i))), Some(flow)) => flow
            .self_fields
            .get(i as usize)
            .map_or(Provenance::Unknown, |f| Provenance::SelfField(f.clone())),
        (Some(Val::Trusted | Val::Value(Origin::Fallback(_))), _) => {
            Provenance::Identity { verified_by: None }
        }
        _ => of_untracked(file, ws, function, expr, depth),
    }
}

/// What an expression the flow pass does not track is.
fn of_untracked(
    file: &AnalyzedFile,
    ws: &Workspace,
    function: FnId,
    expr: ExprId,
    depth: usize,
) -> Provenance {
    let Some(rust) = &file.rust else {
        return Provenance::Unknown;
    };
    let mut e = rust.strip(expr);
    while let ExprKind::Try(i) | ExprKind::Await(i) | ExprKind::Ref(i) = &rust.expr(e).kind {
        e = rust.strip(*i);
    }
    if depth == 0 {
        return Provenance::Unknown;
    }
    let constant_name = |n: &str| {
        n.chars()
            .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
    };
    match &rust.expr(e).kind {
        ExprKind::Lit(Lit::Int(_) | Lit::Float(_)) => Provenance::Integer,
        ExprKind::Lit(_) => Provenance::Constant,
        ExprKind::Path(p) if constant_name(p.last()) => Provenance::Constant,
        ExprKind::Path(p) if p.segments.len() > 1 => {
            if p.last().starts_with(|c: char| c.is_ascii_uppercase()) {
                Provenance::EnumLiteral
            } else {
                Provenance::Unknown
            }
        }
        ExprKind::Path(p) => {
            let at = rust.expr(e).span.start;
            match crate::flow::reaching_let(rust, function, p.last(), at) {
                Some(init) => of_expr_within(file, ws, function, init, depth - 1),
                None => Provenance::Unknown,
            }
        }
        ExprKind::Call { func, .. } => match &rust.expr(*func).kind {
            ExprKind::Path(p) => match server_values::generated_by(&p.segments) {
                Some(g) => Provenance::ServerGenerated(format!(
                    "{}::{g}",
                    p.segments[p.segments.len() - 2]
                )),
                None if tenant_row(file, ws, function, e) => Provenance::TenantRow,
                None => Provenance::Unknown,
            },
            _ => Provenance::Unknown,
        },
        ExprKind::MethodCall { method, .. }
            if server_values::RANDOM_METHODS.contains(&method.name.as_str()) =>
        {
            Provenance::ServerGenerated(method.name.clone())
        }
        ExprKind::MethodCall {
            receiver, method, ..
        } if crate::model::TRANSPARENT_METHODS.contains(&method.name.as_str()) => {
            of_expr_within(file, ws, function, *receiver, depth - 1)
        }
        ExprKind::MethodCall { .. } if tenant_row(file, ws, function, e) => Provenance::TenantRow,
        ExprKind::Field { base, .. } => {
            match of_expr_within(file, ws, function, *base, depth - 1) {
                p @ (Provenance::TenantRow | Provenance::Identity { .. }) => p,
                _ => Provenance::Unknown,
            }
        }
        _ => Provenance::Unknown,
    }
}

/// Whether one of `placeholders` (`$2`) of a site binds a value derived from the verified
/// identity (the caller's own user id or email): the rows it picks are the caller's own.
pub fn binds_identity(
    file: &AnalyzedFile,
    ws: &Workspace,
    site: &crate::sql::SqlSite,
    placeholders: &[String],
) -> bool {
    let Some(function) = site.function else {
        return false;
    };
    placeholders
        .iter()
        .filter_map(|p| p.strip_prefix('$')?.parse::<usize>().ok())
        .filter_map(|n| site.binds.get(n.checked_sub(1)?))
        .any(|b| matches!(of_expr(file, ws, function, *b), Provenance::Identity { .. }))
}

/// Whether `expr` runs SQL (a site of `function` inside it) whose statements all parse and
/// anchor every table instance to one tenant.
fn tenant_row(file: &AnalyzedFile, ws: &Workspace, function: FnId, expr: ExprId) -> bool {
    let Some(rust) = &file.rust else { return false };
    let mut inner = std::collections::HashSet::new();
    rust.walk_expr(expr, &mut |x| {
        inner.insert(x);
    });
    let sites: Vec<&crate::sql::SqlSite> = file
        .sql_sites
        .iter()
        .filter(|s| s.function == Some(function))
        .filter(|s| s.call.is_some_and(|c| inner.contains(&c)))
        .collect();
    !sites.is_empty()
        && sites
            .iter()
            .all(|s| crate::sql_scope::site_anchored(s, ws, &file.source.work))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::analyze_workspace;

    /// The provenance of each argument of the call of `callee` in the function `in_fn`.
    fn args_of(
        sources: &[(&str, &str)],
        file: usize,
        in_fn: &str,
        callee: &str,
    ) -> Vec<Provenance> {
        let (files, ws) = analyze_workspace(sources);
        let f = &files[file];
        let rust = f.rust.as_ref().expect("parsed");
        let (call, _) = rust
            .calls
            .iter()
            .find(|(c, owner)| {
                owner.is_some_and(|o| rust.function(o).name.name == in_fn)
                    && matches!(&rust.expr(*c).kind, ExprKind::Call { func, .. }
                        if matches!(&rust.expr(*func).kind, ExprKind::Path(p) if p.last() == callee))
            })
            .unwrap_or_else(|| panic!("no call of {callee} in {in_fn}"));
        let n = match &rust.expr(*call).kind {
            ExprKind::Call { args, .. } => args.len(),
            _ => 0,
        };
        (0..n).map(|i| of_argument(f, &ws, *call, i)).collect()
    }

    #[test]
    fn literals_enums_server_values_identity_and_client_inputs() {
        let got = args_of(
            &[(
                "app/src/lib.rs",
                r#"
                const LIMIT: u32 = 10;
                async fn handler(Path(doc_id): Path<Uuid>, Extension(claims): Extension<Claims>) {
                    let id = Uuid::new_v4();
                    let role = Role::Admin;
                    record(doc_id, claims.tenant_id, id, role, 3, "x", LIMIT);
                }
                fn record(a: Uuid, b: Uuid, c: Uuid, d: Role, e: u32, f: &str, g: u32) {}
                "#,
            )],
            0,
            "handler",
            "record",
        );
        assert!(
            matches!(&got[0], Provenance::Client { path, checked: false } if path.input == "path parameter `doc_id`"),
            "{got:?}"
        );
        assert_eq!(got[1], Provenance::Identity { verified_by: None });
        assert_eq!(got[2], Provenance::ServerGenerated("Uuid::new_v4".into()));
        assert_eq!(got[3], Provenance::EnumLiteral);
        assert_eq!(got[4], Provenance::Integer);
        assert_eq!(got[5], Provenance::Constant);
        assert_eq!(got[6], Provenance::Constant);
    }

    #[test]
    fn a_parameter_is_client_controlled_on_the_request_paths_that_feed_it() {
        let sources = [
            (
                "app/src/routes.rs",
                r#"
                async fn handler(Path(tenant_id): Path<Uuid>, db: PgPool) {
                    crate::repo::load(&db, tenant_id).await;
                }
                "#,
            ),
            (
                "app/src/repo.rs",
                r#"
                pub async fn load(db: &PgPool, tenant_id: Uuid) { fetch(db, tenant_id).await; }
                pub async fn nightly(db: &PgPool, tenant_id: Uuid) { fetch(db, tenant_id).await; }
                async fn fetch(db: &PgPool, t: Uuid) {
                    sqlx::query("SELECT 1 FROM docs WHERE tenant_id = $1").bind(t).execute(db).await;
                }
                "#,
            ),
        ];
        let fed = args_of(&sources, 1, "load", "fetch");
        match &fed[1] {
            Provenance::Client { path, .. } => {
                assert_eq!(path.input, "path parameter `tenant_id`");
                assert!(path.functions[0].contains("handler"), "{path:?}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            args_of(&sources, 1, "nightly", "fetch")[1],
            Provenance::Parameter(1)
        );
    }

    #[test]
    fn a_row_of_a_tenant_anchored_query() {
        let got = args_of(
            &[(
                "app/src/lib.rs",
                r#"
                async fn job(db: &PgPool, tenant_id: Uuid) {
                    let row = sqlx::query!("SELECT owner FROM docs WHERE tenant_id = $1", tenant_id).fetch_one(db).await?;
                    let any = sqlx::query!("SELECT owner FROM docs").fetch_one(db).await?;
                    notify(row.owner, any.owner);
                }
                fn notify(a: Uuid, b: Uuid) {}
                "#,
            )],
            0,
            "job",
            "notify",
        );
        assert_eq!(got, [Provenance::TenantRow, Provenance::Unknown]);
    }
}
