use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::engine::Workspace;
use lint_core::ir::{ExprId, ExprKind, FnId, Ty};
use lint_core::knowledge::secret_wrappers::is_exposing_accessor;
use lint_core::logging::{is_text_like, LogCall, LogKind, LoggedValue};
use lint_core::model::RustFile;
use lint_core::rule::{Rule, RuleContext, RuleMeta};
use lint_core::secrets::{
    is_derived_name, is_identifier_type, is_marked_secret_type, is_redacting_type, is_secret_name,
    is_session_id_name, value_name, value_type,
};
use lint_core::span::Span;

declare_rule! {
    /// ## What it does
    /// Finds credentials written to logs in plain text: API keys, passwords, tokens, client
    /// secrets, private keys, session ids and `Authorization` header values passed to `log` and
    /// `tracing` macros (including tracing fields such as `api_key = %key` and `?token`),
    /// recorded by `#[instrument]` (arguments not listed in `skip(..)`), printed with
    /// `println!`/`eprintln!` in server code, or printed as part of a struct whose derived
    /// `Debug` shows a credential field.
    ///
    /// Secrets are judged by type first: a value whose declared type (a parameter, a `let`, or
    /// the struct field it reads, `request.token` with `request: Req`) is a redacting wrapper
    /// (`secrecy::SecretString`, masking's `Secret<T, S>` and `StrongSecret`, `redact::Secret`,
    /// `Redacted<T>`) is fine, and so is a type whose hand-written `Debug` prints none of its
    /// credential fields; one that hands `self.api_key` to `.field(..)` or `write!` is
    /// reported like a derived one. What a wrapper's accessor takes out of it
    /// (`card.peek()`, `key.expose_secret()`) is a credential whatever it is called, and so is
    /// a value in `zeroize::Zeroizing<T>`, which wipes its value but prints it. A name
    /// (binding, field, accessor) says a value is a credential only when it holds text
    /// (`String`, `&str`, bytes) or its type is unknown; a credential-named field of a struct
    /// type is judged by that struct's own fields, and a binding by what it was read from
    /// (`let token = attempt.mandate_id.clone()` holds an id). Identifiers and digests of
    /// credentials (`api_key_id`, `token_hash`, `password_hash`) are fine.
    ///
    /// With `trust-masking-files` (on by default), a derived `Debug` is not reported when every
    /// credential it prints is a plain text field whose name may also be a reference (`token`,
    /// `session_id`, a card network's `authorization` code, never `password` or
    /// `client_secret`), declared in a file whose structs type other fields with a redacting
    /// wrapper: that code marks its secrets by type, so the plain ones (a provider's
    /// `checkout_token` transaction reference) were judged not to be.
    /// Set `trust-masking-files = false` to report them.
    ///
    /// ## Not reported
    /// A file's location rather than its contents: a binding that the function uses, besides
    /// logging it, only as the path of file and path APIs (`std::fs::read(&key_file)`,
    /// `tokio::fs::read_to_string`, `File::open`, `Path::new`, `PathBuf::from`), or that it
    /// reads from an environment variable libraries read as a file's path
    /// (`GOOGLE_APPLICATION_CREDENTIALS`, `AWS_SHARED_CREDENTIALS_FILE`, `KUBECONFIG`...) and
    /// uses nowhere else. A binding also used anywhere else (a header, a signer, a template,
    /// another call) is judged as usual.
    ///
    /// ## Why is this bad?
    /// The cheat sheet asks for tenant context in every log line but never sensitive tenant data
    /// in plain text. Logs are shipped to aggregators, kept for months and read by operators and
    /// support staff of every tenant: a logged API key or session token lets anyone with log
    /// access act as that tenant.
    ///
    /// ## Example
    /// ```rust
    /// tracing::info!(tenant_id = %tenant.id, api_key = %api_key, "key rotated");
    ///
    /// #[derive(Debug)]
    /// struct Integration { tenant_id: Uuid, client_secret: String }
    /// tracing::debug!(?integration, "saved");
    /// ```
    ///
    /// ## Use instead
    /// Log the key's id or a short fingerprint, and keep secrets in a redacting type:
    /// ```rust
    /// tracing::info!(tenant_id = %tenant.id, api_key_id = %key.id, "key rotated");
    ///
    /// #[derive(Debug)]
    /// struct Integration { tenant_id: Uuid, client_secret: secrecy::SecretString }
    /// ```
    ///
    /// ## Options
    /// The top-level `secret-names` list adds names whose values are credentials
    /// (`secret-names = ["stripe_live", "dsn"]`).
    pub struct SensitiveDataLogged {
        id: "sensitive-data-logged",
        category: Hardening,
        summary: "a credential is written to logs or stdout in plain text",
        cheat_sheet: "Logging and Monitoring: do not log sensitive tenant data",
        options: ["trust-masking-files"],
        cwe: 532,
        precision: "high",
        security_severity: "5.5",
        needs: [Logging],
    }
}

impl Rule for SensitiveDataLogged {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let Some(file) = &cx.file.rust else { return };
        if is_non_server_path(&cx.file.source.rel_path) {
            return;
        }
        let ws = cx.workspace;
        let judge = Judge {
            ws,
            trust_masking_files: cx.bool_option("trust-masking-files", true),
        };
        let mut findings = Vec::new();
        let command_line = is_command_line_entry(&cx.file.source.rel_path);
        for call in &cx.file.logging.calls {
            if call.function.is_some_and(|f| is_test_fn(file, f))
                || (call.kind == LogKind::Print && command_line)
            {
                continue;
            }
            for value in &call.values {
                if let Some(leak) = leak(file, &judge, call, value) {
                    findings.push(finding(call, value.span, leak));
                }
            }
        }
        for inst in &cx.file.logging.instrumented {
            if is_test_fn(file, inst.function) {
                continue;
            }
            for (name, span, ty) in &inst.recorded {
                let declared = Declared {
                    ty: Some(ty),
                    names: &[],
                };
                let leak = if is_credential(ws, name, declared) && names_a_secret_by_type(ws, ty) {
                    Some(Leak::Named(name.clone()))
                } else {
                    type_leak(&judge, ty, true)
                };
                if let Some(leak) = leak {
                    findings.push(
                        Finding::new(format!("{}, recorded by `#[instrument]`", leak.what()), *span)
                            .primary_label("recorded in the span with `Debug`")
                            .label(inst.attr_span, "every argument not skipped is recorded")
                            .help(format!("add it to `skip(..)` (`#[instrument(skip({name}))]`) or use `skip_all` and record only ids in `fields(..)`")),
                    );
                }
            }
            for field in &inst.fields {
                if is_credential(ws, field, Declared::default()) {
                    findings.push(
                        Finding::new(
                            format!(
                                "`{field}` is a credential, recorded as an `#[instrument]` field"
                            ),
                            inst.attr_span,
                        )
                        .primary_label("recorded in the span")
                        .help("record the credential's id or a fingerprint instead"),
                    );
                }
            }
        }
        for f in findings {
            cx.report(f);
        }
    }
}

/// Why a logged value is a credential.
enum Leak {
    /// Its name (binding, field, accessor, type) says so.
    Named(String),
    /// Its type's `Debug` (derived, or written by hand) prints credential fields.
    DebugFields {
        ty: String,
        fields: Vec<String>,
        hand_written: bool,
    },
}

impl Leak {
    fn what(&self) -> String {
        match self {
            Leak::Named(name) => format!("`{name}` is a credential"),
            Leak::DebugFields {
                ty,
                fields,
                hand_written,
            } => format!(
                "the {} `Debug` of `{ty}` prints its credential field{} `{}`",
                if *hand_written {
                    "hand-written"
                } else {
                    "derived"
                },
                if fields.len() > 1 { "s" } else { "" },
                fields.join("`, `")
            ),
        }
    }
}

fn finding(call: &LogCall, span: Span, leak: Leak) -> Finding {
    let (sink, label) = match call.kind {
        LogKind::Print => ("printed in plain text", "printed here"),
        LogKind::Event | LogKind::Span => ("written to the log in plain text", "logged here"),
    };
    let help = match &leak {
        Leak::Named(_) => {
            "log the credential's id or a short fingerprint instead, or keep it in a redacting type \
             such as `secrecy::SecretString`"
        }
        Leak::DebugFields { .. } => {
            "log the fields you need, implement `Debug` by hand to redact the credential, or make \
             the field a `secrecy::SecretString`"
        }
    };
    Finding::new(
        format!("{}, {sink} by `{}!`", leak.what(), call.macro_name),
        span,
    )
    .primary_label(label)
    .help(help)
}

/// The workspace and the rule's options.
struct Judge<'a> {
    ws: &'a Workspace,
    trust_masking_files: bool,
}

fn leak(file: &RustFile, judge: &Judge<'_>, call: &LogCall, value: &LoggedValue) -> Option<Leak> {
    let ws = judge.ws;
    // The path of a key file, not the key.
    if value.location {
        return None;
    }
    let Some(expr) = value.expr else {
        // A binding captured by the template: only its name is known here.
        let name = value.captured.as_deref()?;
        return is_credential(ws, name, Declared::default()).then(|| Leak::Named(name.to_string()));
    };
    if let Some(exposed) = exposed_secret(file, ws, call.function, expr) {
        return Some(Leak::Named(exposed));
    }
    let ty = expr_type(file, ws, call.function, expr, 0);
    if let Some(marked) = ty.as_ref().filter(|t| is_marked_secret_type(t)) {
        let name = value_name(file, expr).unwrap_or_else(|| marked.name().to_string());
        return Some(Leak::Named(name));
    }
    if ty.as_ref().is_some_and(is_redacting_type)
        || is_string_literal(file, expr)
        || is_redacting_field(file, ws, expr)
    {
        return None;
    }
    // A name describes text; a value of a struct or enum type is judged by that type.
    if ty.as_ref().is_some_and(|t| !names_a_secret_by_type(ws, t)) {
        return type_leak(judge, ty.as_ref()?, value.debug);
    }
    let own_name = value_name(file, expr);
    let origins = origin_names(file, call.function, expr);
    let declared = Declared {
        ty: ty.as_ref(),
        names: &origins,
    };
    let is_secret = |name: &str| is_credential(ws, name, declared);
    if let Some(field) = value.field.as_deref().filter(|f| is_secret(f)) {
        // `token = key.as_str()` names the secret; `token = hash(&key)` transforms it, and
        // `token = %token_id` says it holds something else.
        let own_secret = own_name.as_deref().is_some_and(is_secret);
        let own_derived = own_name.as_deref().is_some_and(is_derived_name);
        if own_secret || (!transforms(file, expr) && !own_derived) {
            return Some(Leak::Named(field.to_string()));
        }
    }
    if let Some(name) = own_name.filter(|n| is_secret(n)) {
        // `let used_token = attempt.details.and_then(|d| d.mandate_id.clone())`: the binding
        // holds what it was read from, an id.
        let source = source_name(file, call.function, expr, 0);
        if source
            .as_deref()
            .is_some_and(|s| is_derived_name(s) && !is_secret(s))
        {
            return None;
        }
        return Some(Leak::Named(name));
    }
    type_leak(judge, ty.as_ref()?, value.debug)
}

/// The name of what a binding was last read from, through `let`s, copies and the closures of
/// `map`/`and_then` (`let token = row.and_then(|r| r.mandate_id.clone())` gives
/// `mandate_id`); `None` when the value is computed rather than read.
fn source_name(
    file: &RustFile,
    function: Option<FnId>,
    expr: ExprId,
    depth: u32,
) -> Option<String> {
    if depth > 4 {
        return None;
    }
    let id = file.strip(expr);
    match &file.expr(id).kind {
        ExprKind::Path(_) => {
            let name = file.as_ident(id)?;
            let init =
                lint_core::flow::reaching_let(file, function?, name, file.expr(id).span.start)?;
            source_name(file, function, init, depth + 1)
        }
        ExprKind::Field { member, .. } => Some(member.name.clone()),
        ExprKind::MethodCall { method, args, .. }
            if matches!(
                method.name.as_str(),
                "map" | "and_then" | "cloned" | "as_ref" | "as_deref" | "unwrap_or_default"
            ) =>
        {
            let ExprKind::Closure { body, .. } = &file.expr(*args.last()?).kind else {
                return None;
            };
            source_name(file, function, *body, depth + 1)
        }
        _ => None,
    }
}

/// `key.peek()`, `secret.expose_secret()`: the plain value taken out of a redacting wrapper
/// (the receiver's declared type is one), named as the call reads.
fn exposed_secret(
    file: &RustFile,
    ws: &Workspace,
    function: Option<FnId>,
    expr: ExprId,
) -> Option<String> {
    let ExprKind::MethodCall {
        receiver, method, ..
    } = &file.expr(file.strip(expr)).kind
    else {
        return None;
    };
    if !is_exposing_accessor(&method.name) {
        return None;
    }
    let wrapper = expr_type(file, ws, function, *receiver, 0)?;
    if !is_redacting_type(&wrapper) {
        return None;
    }
    let owner = value_name(file, *receiver).unwrap_or_else(|| wrapper.name().to_string());
    Some(format!("{owner}.{}()", method.name))
}

/// Whether a credential name on a value of this type is believed: text (`String`, `&str`,
/// bytes), a generic or unresolved type, but not a redacting wrapper, a UUID or a number, a
/// type with its own `Debug`, or a struct whose fields say what it prints.
fn names_a_secret_by_type(ws: &Workspace, ty: &Ty) -> bool {
    if is_redacting_type(ty) || is_identifier_type(ty) || ty.is_scalar() {
        return false;
    }
    if is_text_like(ty) {
        return true;
    }
    let name = ty.name();
    !(ws.credential_types.has_manual_debug(name)
        || ws.credential_types.leaked_fields(name).is_some()
        || ws.credential_types.is_struct(name))
}

/// The declared type of a logged value: a parameter, a `let`, `self`, or the field of one of
/// those (`request.token`, `self.config.api_key`) as the workspace's struct declares it, through
/// the `let`s that copy it.
fn expr_type(
    file: &RustFile,
    ws: &Workspace,
    function: Option<FnId>,
    expr: ExprId,
    depth: u32,
) -> Option<Ty> {
    if let Some(ty) = value_type(file, function, expr) {
        return Some(ty);
    }
    if depth > 4 {
        return None;
    }
    let id = file.strip(expr);
    // `let token = job.grant.user_id;`: the binding has the type of what it was set from.
    if let (Some(f), Some(name)) = (function, file.as_ident(id)) {
        let init = lint_core::flow::reaching_let(file, f, name, file.expr(id).span.start)?;
        return expr_type(file, ws, function, init, depth + 1);
    }
    let ExprKind::Field { base, member } = &file.expr(id).kind else {
        return None;
    };
    let owner = expr_type(file, ws, function, *base, depth + 1)?;
    ws.credential_types
        .field_type(owner.name(), &member.name)
        .map(|t| peel_containers(t).clone())
}

/// `Option<T>`, `Box<T>`, `&T`: the value formats as what it holds.
fn peel_containers(ty: &Ty) -> &Ty {
    match ty {
        Ty::Ref(t) => peel_containers(t),
        Ty::Path(p) if matches!(p.last(), "Option" | "Box" | "Arc" | "Rc") => {
            p.generics.first().map_or(ty, peel_containers)
        }
        _ => ty,
    }
}

/// Whether a name denotes a credential, given what the value is declared as: a session id that
/// is a UUID or a number is a correlation id. Without a local type, the workspace's
/// declarations of the value's name (or of what its `let` was initialised from) decide.
fn is_credential(ws: &Workspace, name: &str, declared: Declared<'_>) -> bool {
    if !is_secret_name(name, &ws.config.secret_names) {
        return false;
    }
    if !is_session_id_name(name) {
        return true;
    }
    match declared.ty {
        Some(ty) => !is_identifier_type(ty),
        None if declared.names.is_empty() => !ws.credential_types.is_identifier_name(name),
        None => !declared
            .names
            .iter()
            .any(|n| ws.credential_types.is_identifier_name(n)),
    }
}

/// What is known about how a logged value is declared.
#[derive(Clone, Copy, Default)]
struct Declared<'a> {
    ty: Option<&'a Ty>,
    /// The names the value comes from: itself, and the accessor its `let` called.
    names: &'a [String],
}

/// Where a value is declared, as the workspace's declarations are keyed: a field (`session_id`),
/// an accessor (`session_id()`), or a binding's name; for a `let` binding, also what it was
/// initialised from (`let id = ctx.session_id();` gives `session_id()`).
fn origin_names(file: &RustFile, function: Option<FnId>, expr: ExprId) -> Vec<String> {
    let key = |e: ExprId| match &file.expr(file.strip(e)).kind {
        ExprKind::Path(p) => Some(p.last().to_string()),
        ExprKind::Field { member, .. } => Some(member.name.clone()),
        ExprKind::MethodCall { method, args, .. } if args.is_empty() => {
            Some(format!("{}()", method.name))
        }
        _ => None,
    };
    let mut names: Vec<String> = key(expr).into_iter().collect();
    let id = file.strip(expr);
    if let (Some(f), Some(name)) = (function, file.as_ident(id)) {
        let init = lint_core::flow::reaching_let(file, f, name, file.expr(id).span.start);
        names.extend(init.and_then(key));
    }
    names
}

/// A credential by the value's type: a secret-named type (`ApiKey`) without a hand-written
/// `Debug`, or, when `Debug`-formatted, a struct whose derived `Debug` prints credential fields.
fn type_leak(judge: &Judge<'_>, ty: &Ty, debug: bool) -> Option<Leak> {
    let ws = judge.ws;
    let name = ty.name();
    if name.is_empty() || is_redacting_type(ty) {
        return None;
    }
    if is_secret_name(name, &ws.config.secret_names)
        && !(debug && ws.credential_types.has_manual_debug(name))
    {
        return Some(Leak::Named(name.to_string()));
    }
    let leaky = ws.credential_types.leaked_fields(name).filter(|_| debug)?;
    if judge.trust_masking_files && leaky.named_only_in_masking_file {
        return None;
    }
    Some(Leak::DebugFields {
        ty: name.to_string(),
        fields: leaky.fields.clone(),
        hand_written: leaky.hand_written,
    })
}

/// Whether the logged expression computes something else from its input: a call that is not
/// an accessor (`hash(&token)`, `token.len()`, `mask(key)`).
fn transforms(file: &RustFile, expr: ExprId) -> bool {
    matches!(
        file.expr(file.strip(expr)).kind,
        ExprKind::Call { .. }
            | ExprKind::MethodCall { .. }
            | ExprKind::Macro(_)
            | ExprKind::Binary { .. }
    )
}

/// `self.client_secret` where `client_secret` is declared as a `SecretString`.
fn is_redacting_field(file: &RustFile, ws: &Workspace, expr: ExprId) -> bool {
    matches!(&file.expr(file.strip(expr)).kind,
        ExprKind::Field { member, .. } if ws.credential_types.is_redacting_field(&member.name))
}

fn is_string_literal(file: &RustFile, expr: ExprId) -> bool {
    file.str_lit(expr).is_some()
}

fn is_test_fn(file: &RustFile, f: FnId) -> bool {
    file.function(f)
        .attrs
        .iter()
        .any(|a| a.path.last() == "test")
}

/// A binary's entry point or command-line module: what it prints is shown to the operator who
/// ran the command (`mytool jwt generate` prints the token it made), not written to a log.
fn is_command_line_entry(rel_path: &str) -> bool {
    let mut components = rel_path.split('/').rev();
    let file = components.next().unwrap_or("");
    file == "main.rs"
        || file == "cli.rs"
        || components.any(|c| matches!(c, "bin" | "cli" | "commands"))
}

/// Tests, examples, benches and build scripts are not the server.
fn is_non_server_path(rel_path: &str) -> bool {
    rel_path.ends_with("build.rs")
        || rel_path
            .split('/')
            .rev()
            .skip(1)
            .any(|c| matches!(c, "tests" | "examples" | "benches" | "test"))
}
