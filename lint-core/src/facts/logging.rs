//! What a file writes to its logs: every log, tracing and print macro with the values it records
//! (field names, `%`/`?` sigils, format-template holes and their `{:?}` specs, bindings captured
//! by the template), and every `#[instrument]` with the arguments it records. Computed once per
//! file; rules about logged data read these facts instead of walking the file again.

use crate::format::{parse_template, HoleArg, Piece};
use crate::ir::*;
use crate::knowledge::secret_wrappers::DEBUG_SKIP_ATTRIBUTES;
use crate::model::RustFile;
use crate::semantic::bindings::reaching_let_in;
use crate::span::Span;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
pub struct LogFacts {
    pub calls: Vec<LogCall>,
    pub instrumented: Vec<Instrumented>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogKind {
    /// `log`/`tracing` events: `info!`, `warn!`, `event!`, `log!`...
    Event,
    /// `span!`, `info_span!`...: a name, then fields.
    Span,
    /// `println!`, `eprintln!`, `print!`, `eprint!`, `dbg!`.
    Print,
}

/// A macro call that writes values to a log or the console.
#[derive(Debug)]
pub struct LogCall {
    pub call: ExprId,
    pub function: Option<FnId>,
    pub macro_name: String,
    pub kind: LogKind,
    pub values: Vec<LoggedValue>,
}

/// One value a log call records.
#[derive(Debug)]
pub struct LoggedValue {
    /// The tracing field name or the format argument's name (`api_key` in `api_key = %k`).
    pub field: Option<String>,
    /// The logged expression; `None` for a binding the template captures (`{token}`).
    pub expr: Option<ExprId>,
    /// The binding a template hole captures by name.
    pub captured: Option<String>,
    /// Formatted with `Debug`: a `?` sigil, a `{:?}` hole, or `dbg!`.
    pub debug: bool,
    pub span: Span,
    /// The value is where a file is, not what it holds: the binding it names is used, besides
    /// logs, only as the path of file and path APIs (`fs::read(&p)`, `Path::new(&p)`), at least
    /// once, or is read from an environment variable that libraries read as a file's path
    /// ([`crate::knowledge::file_locations`]) and used nowhere else.
    pub location: bool,
}

impl LoggedValue {
    /// The binding or field name the value is known by, for messages.
    pub fn display_name(&self) -> Option<&str> {
        self.field.as_deref().or(self.captured.as_deref())
    }
}

/// A function with `#[instrument]`: its span records every argument not skipped, with `Debug`.
#[derive(Debug)]
pub struct Instrumented {
    pub function: FnId,
    pub attr_span: Span,
    /// Parameters the span records: binding name, span of the parameter, its type.
    pub recorded: Vec<(String, Span, Ty)>,
    /// Names declared in `fields(...)`.
    pub fields: Vec<String>,
}

const EVENT_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error"];
const LEVELED_EVENT_MACROS: &[&str] = &["event", "log"];
const NAMED_SPAN_MACROS: &[&str] = &[
    "trace_span",
    "debug_span",
    "info_span",
    "warn_span",
    "error_span",
];
const PRINT_MACROS: &[&str] = &["println", "eprintln", "print", "eprint"];
/// Tracing's reserved `key: value` arguments, which are metadata rather than recorded values.
const RESERVED_FIELDS: &[&str] = &["target", "parent", "name"];

pub fn collect(file: &RustFile, text: &str) -> LogFacts {
    let mut facts = LogFacts::default();
    for &(id, function) in &file.calls {
        let ExprKind::Macro(m) = &file.expr(id).kind else {
            continue;
        };
        let MacroArgs::List(args) = &m.args else {
            continue;
        };
        let name = m.path.last();
        let (kind, leading_level) = if EVENT_MACROS.contains(&name) {
            (LogKind::Event, false)
        } else if LEVELED_EVENT_MACROS.contains(&name) {
            (LogKind::Event, true)
        } else if name == "span" {
            (LogKind::Span, true)
        } else if NAMED_SPAN_MACROS.contains(&name) {
            (LogKind::Span, false)
        } else if PRINT_MACROS.contains(&name) || name == "dbg" {
            (LogKind::Print, false)
        } else {
            continue;
        };
        let skip = usize::from(leading_level && args.first().is_some_and(|a| a.name.is_none()));
        let args = args.get(skip..).unwrap_or_default();
        let values = if name == "dbg" {
            args.iter()
                .map(|a| LoggedValue {
                    field: None,
                    expr: Some(a.expr),
                    captured: None,
                    debug: true,
                    span: a.span,
                    location: false,
                })
                .collect()
        } else {
            logged_values(file, text, kind, args)
        };
        facts.calls.push(LogCall {
            call: id,
            function,
            macro_name: name.to_string(),
            kind,
            values,
        });
    }
    let log_spans: Vec<Span> = facts.calls.iter().map(|c| file.expr(c.call).span).collect();
    for call in &mut facts.calls {
        let Some(f) = call.function else { continue };
        let at = file.expr(call.call).span.start;
        for value in &mut call.values {
            let name = match value.expr {
                Some(e) => file.as_ident(e),
                None => value.captured.as_deref(),
            };
            value.location = name.is_some_and(|n| is_file_location(file, f, n, at, &log_spans));
        }
    }
    for f in file.function_ids() {
        let function = file.function(f);
        if let Some(attr) = function.attr("instrument") {
            facts.instrumented.push(instrumented(file, f, attr));
        }
    }
    facts
}

/// Whether the binding `name` that a log call at `at` sees in `f` holds a file's location:
/// every use outside log calls is the path argument of a file or path API, and there is one,
/// or it is read from an environment variable libraries read as a file's path and used nowhere
/// else. A use in any other call, template, or expression (a header, a signer) makes it a value.
fn is_file_location(file: &RustFile, f: FnId, name: &str, at: u32, log_spans: &[Span]) -> bool {
    use crate::knowledge::file_locations::{takes_path, PATH_ENV_VARS};
    let function = file.function(f);
    let binding = reaching_let_in(file, function, name, at);
    let env_path = binding
        .and_then(|init| env_var_read(file, init))
        .is_some_and(|var| PATH_ENV_VARS.contains(&var.as_str()));
    let same_binding = |offset: u32| reaching_let_in(file, function, name, offset) == binding;
    let in_log = |span: Span| log_spans.iter().any(|l| l.contains(span));
    let mut path_uses = HashSet::new();
    let mut uses = Vec::new();
    let mut captured_elsewhere = false;
    file.walk_block(&function.body, &mut |id| {
        let e = file.expr(id);
        match &e.kind {
            ExprKind::Path(p)
                if p.is_ident(name) && same_binding(e.span.start) && !in_log(e.span) =>
            {
                uses.push(id)
            }
            ExprKind::Call { func, args } => {
                if let (ExprKind::Path(p), Some(first)) = (&file.expr(*func).kind, args.first()) {
                    if takes_path(&p.segments) {
                        path_uses.insert(file.strip(*first));
                    }
                }
            }
            // `format!("Bearer {token}")`: a template outside the logs reads the binding.
            ExprKind::Macro(m) if !in_log(e.span) => {
                if let MacroArgs::List(args) = &m.args {
                    captured_elsewhere |= args
                        .first()
                        .and_then(|a| file.str_lit(a.expr))
                        .is_some_and(|lit| {
                            crate::keys::inline_format_names(&lit.value)
                                .iter()
                                .any(|n| n == name)
                        });
                }
            }
            _ => {}
        }
    });
    if captured_elsewhere || uses.iter().any(|u| !path_uses.contains(u)) {
        return false;
    }
    !uses.is_empty() || env_path
}

/// The variable an initializer reads from the environment: `std::env::var("X")`,
/// `env::var_os("X")`, through `unwrap_or..`, `ok()`, `expect(..)` and `?`.
fn env_var_read(file: &RustFile, id: ExprId) -> Option<String> {
    match &file.expr(file.strip(id)).kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } if matches!(
            method.name.as_str(),
            "unwrap_or" | "unwrap_or_else" | "unwrap_or_default" | "ok" | "expect" | "unwrap"
        ) =>
        {
            env_var_read(file, *receiver)
        }
        ExprKind::Call { func, args } => {
            let ExprKind::Path(p) = &file.expr(*func).kind else {
                return None;
            };
            let [.., module, function] = p.segments.as_slice() else {
                return None;
            };
            if module != "env" || !matches!(function.as_str(), "var" | "var_os") {
                return None;
            }
            file.static_str(*args.first()?)
        }
        _ => None,
    }
}

fn logged_values(
    file: &RustFile,
    text: &str,
    kind: LogKind,
    args: &[MacroArg],
) -> Vec<LoggedValue> {
    let template = args
        .iter()
        .position(|a| a.name.is_none() && a.sigil.is_none() && file.str_lit(a.expr).is_some());
    let mut values = Vec::new();
    let field_end = match kind {
        LogKind::Span => args.len(),
        _ => template.unwrap_or(args.len()),
    };
    for (i, a) in args.iter().enumerate().take(field_end) {
        let reserved = a
            .name
            .as_ref()
            .is_some_and(|n| RESERVED_FIELDS.contains(&n.name.as_str()));
        if reserved || (kind == LogKind::Span && Some(i) == template) {
            continue;
        }
        values.push(LoggedValue {
            field: a.name.as_ref().map(|n| n.name.clone()),
            expr: Some(a.expr),
            captured: None,
            debug: a.sigil == Some('?'),
            span: a.span,
            location: false,
        });
    }
    let Some(t) = template.filter(|_| kind != LogKind::Span) else {
        return values;
    };
    let Some(lit) = file.str_lit(args[t].expr) else {
        return values;
    };
    let format_args = args.get(t + 1..).unwrap_or_default();
    let positional: Vec<usize> = (0..format_args.len())
        .filter(|&i| format_args[i].name.is_none())
        .collect();
    let named: HashMap<&str, usize> = format_args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| Some((a.name.as_ref()?.name.as_str(), i)))
        .collect();
    let mut debug_args: HashSet<usize> = HashSet::new();
    let mut used_args: HashSet<usize> = HashSet::new();
    let mut captured: Vec<(String, bool, Span)> = Vec::new();
    let mut next = 0;
    for piece in parse_template(&lit.value) {
        let Piece::Hole { arg, start, end } = piece else {
            continue;
        };
        let inner = lit
            .value
            .get(start + 1..end.saturating_sub(1))
            .unwrap_or("");
        let debug = inner
            .split_once(':')
            .is_some_and(|(_, spec)| spec.contains('?'));
        let index = match &arg {
            HoleArg::Next => {
                next += 1;
                positional.get(next - 1).copied()
            }
            HoleArg::Index(n) => positional.get(*n).copied(),
            HoleArg::Named(name) => match named.get(name.as_str()) {
                Some(&i) => Some(i),
                None => {
                    let at = |o: usize| {
                        crate::sql::map_literal_offset(text, lit.content_start, lit.raw, o as u32)
                    };
                    captured.push((
                        name.clone(),
                        debug,
                        Span::new(at(start) as usize, at(end) as usize),
                    ));
                    None
                }
            },
        };
        if let Some(i) = index {
            used_args.insert(i);
            if debug {
                debug_args.insert(i);
            }
        }
    }
    for (i, a) in format_args.iter().enumerate() {
        values.push(LoggedValue {
            field: a.name.as_ref().map(|n| n.name.clone()),
            expr: Some(a.expr),
            captured: None,
            debug: debug_args.contains(&i),
            span: a.span,
            location: false,
        });
    }
    for (name, debug, span) in captured {
        values.push(LoggedValue {
            field: None,
            expr: None,
            captured: Some(name),
            debug,
            span,
            location: false,
        });
    }
    values
}

/// Reads `skip(a, b)`, `skip_all` and `fields(x = ..)` from an `#[instrument(...)]`.
fn instrumented(file: &RustFile, f: FnId, attr: &Attr) -> Instrumented {
    let tokens: TokenStream = attr.tokens.parse().unwrap_or_default();
    let mut skip_all = false;
    let mut skipped: Vec<String> = Vec::new();
    let mut fields = Vec::new();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        let TokenTree::Ident(ident) = tt else {
            continue;
        };
        let group = match trees.get(i + 1) {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => Some(g),
            _ => None,
        };
        match (ident.to_string().as_str(), group) {
            ("skip_all", _) => skip_all = true,
            ("skip", Some(g)) => skipped.extend(g.stream().into_iter().filter_map(|t| match t {
                TokenTree::Ident(i) => Some(i.to_string()),
                _ => None,
            })),
            ("fields", Some(g)) => fields.extend(field_names(g.stream())),
            _ => {}
        }
    }
    let function = file.function(f);
    let mut recorded = Vec::new();
    if !skip_all {
        for p in &function.params {
            let mut names = Vec::new();
            file.bindings(p.pat, &mut names);
            // A destructured parameter has no single name for tracing to record.
            if let [(name, _)] = names.as_slice() {
                if !skipped.contains(name) {
                    recorded.push((name.clone(), p.span, p.ty.clone()));
                }
            }
        }
    }
    Instrumented {
        function: f,
        attr_span: attr.span,
        recorded,
        fields,
    }
}

/// The field names of `fields(a = 1, b.c = %x, ?d, "e" = 2)`, leaving out empty fields: those
/// declared `tracing::field::Empty`, and bare names (`fields(session_id)`), which
/// `#[instrument]` declares empty too. They record nothing until the code fills them in.
fn field_names(stream: TokenStream) -> Vec<String> {
    let mut names = Vec::new();
    let mut current = String::new();
    let mut value: Vec<String> = Vec::new();
    let mut in_value = false;
    let mut sigil = false;
    let mut finish = |name: &mut String, value: &mut Vec<String>, sigil: bool| {
        let empty = value.last().map(String::as_str) == Some("Empty") || value.is_empty() && !sigil;
        if !name.is_empty() && !empty {
            names.push(std::mem::take(name));
        }
        name.clear();
        value.clear();
    };
    for tt in stream {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                finish(&mut current, &mut value, sigil);
                in_value = false;
                sigil = false;
            }
            TokenTree::Punct(p) if p.as_char() == '=' && !in_value => in_value = true,
            _ if in_value => value.push(tt.to_string()),
            TokenTree::Punct(p) if matches!(p.as_char(), '?' | '%') => sigil = true,
            TokenTree::Ident(i) => current.push_str(&i.to_string()),
            TokenTree::Punct(p) if p.as_char() == '.' => current.push('.'),
            TokenTree::Literal(l) => current.push_str(l.to_string().trim_matches('"')),
            _ => {}
        }
    }
    finish(&mut current, &mut value, sigil);
    names
}

/// What the workspace's struct declarations say about credentials: structs whose derived
/// `Debug` prints a credential field, and fields declared with a redacting type. Built once for
/// the workspace: the struct and the log call are usually in different files.
#[derive(Debug, Default)]
pub struct CredentialTypes {
    leaky: HashMap<String, LeakyStruct>,
    /// Types with a hand-written `Debug` impl that prints none of their credential fields.
    manual_debug: HashSet<String>,
    /// Field names that every struct declaring them declares with a redacting type.
    redacting_fields: HashSet<String>,
    /// Field and accessor names that every struct or function declaring them types as a UUID
    /// or an integer.
    identifier_names: HashSet<String>,
    /// Declared field types by struct name; `None` where structs of one name disagree.
    field_types: HashMap<String, HashMap<String, Option<Ty>>>,
    /// How many structs declare each name.
    declarations: HashMap<String, usize>,
}

/// The fields a derived `Debug` prints, each with whether its file masks by type.
type PrintedFields<'a> = Vec<(&'a FieldDef, bool)>;

/// A struct whose derived `Debug` prints credentials.
#[derive(Debug, Clone)]
pub struct LeakyStruct {
    /// The credential fields it prints (a nested struct's as `outer.inner`).
    pub fields: Vec<String>,
    /// Whether every credential it prints is a plain field with a name that may also be a
    /// reference (`token`, `session_id`), in a file that types other fields with a redacting
    /// wrapper (`Secret<String>`): that file marks its secrets by type, so the plainly typed
    /// ones were judged not to be.
    pub named_only_in_masking_file: bool,
    /// Whether the `Debug` that prints them is written by hand rather than derived.
    pub hand_written: bool,
}

/// Values whose `Debug` prints text a name can describe: strings and bytes. A credential name
/// on a struct or an enum says nothing about what its own `Debug` prints.
pub fn is_text_like(ty: &Ty) -> bool {
    match ty {
        Ty::Ref(t) | Ty::Slice(t) => is_text_like(t),
        Ty::Path(p) => match p.last() {
            "String" | "str" | "OsString" | "OsStr" | "u8" | "HeaderValue" | "Bytes" => true,
            "Option" | "Vec" | "Box" | "Arc" | "Rc" | "Cow" => {
                p.generics.first().is_some_and(is_text_like)
            }
            _ => false,
        },
        Ty::Other(t) => t.contains("u8"),
        Ty::Tuple(_) => false,
    }
}

impl CredentialTypes {
    pub fn build<'a>(
        files: impl IntoIterator<Item = &'a RustFile>,
        secret_names: &[String],
    ) -> Self {
        use crate::secrets::{is_marked_secret_type, is_redacting_type, is_secret_name};
        let mut leaks = CredentialTypes::default();
        let mut plain_fields: HashSet<String> = HashSet::new();
        let mut other_typed: HashSet<String> = HashSet::new();
        // Every declaration of each struct name (names are not unique across crates): the
        // fields a derived `Debug` prints with whether the file masks by type, or `None`.
        let mut derived: HashMap<String, Vec<Option<PrintedFields>>> = HashMap::new();
        let mut manual: Vec<(&RustFile, &ImplBlock)> = Vec::new();
        for file in files {
            let masking_file = file
                .structs
                .iter()
                .flat_map(|s| &s.fields)
                .any(|f| is_redacting_type(&f.ty));
            for s in &file.structs {
                *leaks.declarations.entry(s.name.name.clone()).or_default() += 1;
                let types = leaks.field_types.entry(s.name.name.clone()).or_default();
                for f in &s.fields {
                    types
                        .entry(f.name.name.clone())
                        .and_modify(|t| {
                            if t.as_ref() != Some(&f.ty) {
                                *t = None
                            }
                        })
                        .or_insert_with(|| Some(f.ty.clone()));
                    if is_redacting_type(&f.ty) {
                        leaks.redacting_fields.insert(f.name.name.clone());
                    } else {
                        plain_fields.insert(f.name.name.clone());
                    }
                    if crate::secrets::is_identifier_type(&f.ty) {
                        leaks.identifier_names.insert(f.name.name.clone());
                    } else {
                        other_typed.insert(f.name.name.clone());
                    }
                }
                let printed = s.derives("Debug").then(|| {
                    s.fields
                        .iter()
                        .filter(|f| !is_redacting_type(&f.ty) && !f.attrs.iter().any(is_debug_skip))
                        .map(|f| (f, masking_file))
                        .collect::<Vec<_>>()
                });
                derived
                    .entry(s.name.name.clone())
                    .or_default()
                    .push(printed);
            }
            for imp in &file.impls {
                if imp.trait_path.as_ref().is_some_and(|t| t.last() == "Debug") {
                    manual.push((file, imp));
                }
            }
            // Accessors, kept apart from fields as `name()`: `fn session_id(&self) -> Uuid`.
            for f in &file.functions {
                let Some(ret) = f.ret.as_ref().filter(|_| f.params.len() <= 1) else {
                    continue;
                };
                let key = format!("{}()", f.name.name);
                if crate::secrets::is_identifier_type(ret) {
                    leaks.identifier_names.insert(key);
                } else {
                    other_typed.insert(key);
                }
            }
        }
        // A hand-written `Debug` redacts unless its body prints a credential field of `self`.
        for (file, imp) in manual {
            let name = imp.self_ty.name();
            let is_credential_field = |field: &str| {
                leaks.field_type(name, field).is_some_and(|ty| {
                    is_marked_secret_type(ty)
                        || is_secret_name(field, secret_names)
                            && is_text_like(ty)
                            && !is_redacting_type(ty)
                })
            };
            let fields = printed_self_fields(file, imp, &is_credential_field);
            if fields.is_empty() {
                leaks.manual_debug.insert(name.to_string());
            } else {
                let entry = LeakyStruct {
                    fields,
                    named_only_in_masking_file: false,
                    hand_written: true,
                };
                leaks.leaky.insert(name.to_string(), entry);
            }
        }
        // Secrets by type first: a credential-named field counts when it holds text; a field
        // of a struct type counts when that struct's own derived `Debug` leaks (to a fixpoint).
        // A nested struct type is resolved by name only when one struct has that name.
        let unique: HashSet<String> = derived
            .iter()
            .filter(|(_, decls)| decls.len() == 1)
            .map(|(n, _)| n.clone())
            .collect();
        for _ in 0..4 {
            let mut changed = false;
            for (name, decls) in &derived {
                if leaks.manual_debug.contains(name) {
                    continue;
                }
                // Every declaration of the name must leak: the log call may print any of them.
                let mut each = Vec::new();
                for printed in decls {
                    let Some(printed) = printed else { break };
                    let mut fields = Vec::new();
                    let mut named_only = true;
                    for (f, masking_file) in printed {
                        let field = &f.name.name;
                        let inner = struct_name(&f.ty)
                            .filter(|t| unique.contains(*t))
                            .and_then(|t| leaks.leaky.get(t));
                        if is_marked_secret_type(&f.ty) {
                            fields.push(field.clone());
                            named_only = false;
                        } else if is_secret_name(field, secret_names) && is_text_like(&f.ty) {
                            fields.push(field.clone());
                            named_only &= *masking_file
                                && crate::secrets::is_ambiguous_secret_name(field, secret_names);
                        } else if let Some(inner) = inner {
                            fields.extend(inner.fields.iter().map(|i| format!("{field}.{i}")));
                            named_only &= inner.named_only_in_masking_file;
                        }
                    }
                    if fields.is_empty() {
                        break;
                    }
                    each.push(LeakyStruct {
                        fields,
                        named_only_in_masking_file: named_only,
                        hand_written: false,
                    });
                }
                if each.len() != decls.len() {
                    continue;
                }
                let named_only = each.iter().all(|e| e.named_only_in_masking_file);
                let entry = LeakyStruct {
                    fields: each.swap_remove(0).fields,
                    named_only_in_masking_file: named_only,
                    hand_written: false,
                };
                let known = leaks.leaky.get(name);
                if known.is_none_or(|k| k.fields.len() != entry.fields.len()) {
                    leaks.leaky.insert(name.clone(), entry);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        leaks.redacting_fields.retain(|f| !plain_fields.contains(f));
        leaks.identifier_names.retain(|n| !other_typed.contains(n));
        leaks
    }

    /// Whether a field (`session_id`) or accessor (`session_id()`) of this name is always
    /// declared as a UUID or an integer.
    pub fn is_identifier_name(&self, name: &str) -> bool {
        self.identifier_names.contains(name)
    }

    /// Whether a field of this name is always declared with a redacting type
    /// (`client_secret: SecretString`).
    pub fn is_redacting_field(&self, field: &str) -> bool {
        self.redacting_fields.contains(field)
    }

    /// What a derived `Debug` of this type prints of credentials.
    pub fn leaked_fields(&self, type_name: &str) -> Option<&LeakyStruct> {
        self.leaky.get(type_name)
    }

    /// The declared type of `owner.field`, when every struct named `owner` agrees on it and
    /// one struct has that name.
    pub fn field_type(&self, owner: &str, field: &str) -> Option<&Ty> {
        if self.declarations.get(owner) != Some(&1) {
            return None;
        }
        self.field_types.get(owner)?.get(field)?.as_ref()
    }

    pub fn has_manual_debug(&self, type_name: &str) -> bool {
        self.manual_debug.contains(type_name)
    }

    /// Whether the workspace declares a struct of this name.
    pub fn is_struct(&self, type_name: &str) -> bool {
        self.field_types.contains_key(type_name)
    }
}

/// The struct a field type names, through the usual containers.
fn struct_name(ty: &Ty) -> Option<&str> {
    let p = ty.path()?;
    match p.last() {
        "Option" | "Vec" | "Box" | "Arc" | "Rc" => p.generics.first().and_then(struct_name),
        name => Some(name),
    }
}

/// `#[debug(skip)]`, `#[educe(Debug(ignore))]`, `#[derivative(Debug = "ignore")]`: the field
/// is left out of a derived `Debug`.
fn is_debug_skip(attr: &Attr) -> bool {
    let t = attr.tokens.to_ascii_lowercase();
    DEBUG_SKIP_ATTRIBUTES.contains(&attr.path.last())
        && (t.contains("skip") || t.contains("ignore"))
}

/// Formatter calls whose arguments are printed: `debug_struct(..).field("token", &self.token)`,
/// `f.write_str(&self.token)`.
const PRINTING_METHODS: &[&str] = &["field", "entry", "entries", "key", "value", "write_str"];

/// The fields of `self` (those `is_credential` accepts) that a hand-written `Debug` impl prints:
/// handed to a formatter method or a `write!` argument, or formatted themselves
/// (`self.token.fmt(f)`). A field only measured or masked (`self.token.len()`,
/// `mask(&self.token)`) is not printed.
fn printed_self_fields(
    file: &RustFile,
    imp: &ImplBlock,
    is_credential: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut printed: Vec<String> = Vec::new();
    let mut consider = |arg: ExprId| {
        if let ExprKind::Field { base, member } = &file.expr(file.strip(arg)).kind {
            if file.as_ident(*base) == Some("self")
                && is_credential(&member.name)
                && !printed.contains(&member.name)
            {
                printed.push(member.name.clone());
            }
        }
    };
    for &f in &imp.functions {
        file.walk_block(
            &file.function(f).body,
            &mut |id| match &file.expr(id).kind {
                ExprKind::MethodCall {
                    receiver,
                    method,
                    args,
                    ..
                } => {
                    if PRINTING_METHODS.contains(&method.name.as_str()) {
                        args.iter().for_each(|&a| consider(a));
                    } else if method.name == "fmt" {
                        consider(*receiver);
                    }
                }
                ExprKind::Macro(m) => {
                    if let MacroArgs::List(args) = &m.args {
                        args.iter().for_each(|a| consider(a.expr));
                    }
                }
                _ => {}
            },
        );
    }
    printed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> (RustFile, LogFacts) {
        let file = crate::parse::parse_rust(src).expect("test source parses");
        let facts = collect(&file, src);
        (file, facts)
    }

    /// (field or captured name, debug) of each value of the first call.
    fn values(src: &str) -> Vec<(String, bool)> {
        let (file, facts) = facts(src);
        facts.calls[0]
            .values
            .iter()
            .map(|v| {
                let name = v
                    .display_name()
                    .map(str::to_string)
                    .or_else(|| v.expr.and_then(|e| file.as_ident(e)).map(str::to_string))
                    .unwrap_or_default();
                (name, v.debug)
            })
            .collect()
    }

    #[test]
    fn tracing_fields_and_template() {
        let v = values(
            r#"fn f() { tracing::info!(target: "t", tenant = %t, ?token, key, "msg {} {:?} {x:?}", a, b); }"#,
        );
        assert_eq!(
            v,
            [
                ("tenant".into(), false),
                ("token".into(), true),
                ("key".into(), false),
                ("a".into(), false),
                ("b".into(), true),
                ("x".into(), true),
            ]
        );
    }

    #[test]
    fn spans_events_and_dbg() {
        assert_eq!(
            values(r#"fn f() { tracing::span!(Level::INFO, "name", id = %id); }"#),
            [("id".into(), false)]
        );
        assert_eq!(
            values(r#"fn f() { tracing::event!(Level::WARN, "{}", key); }"#),
            [("key".into(), false)]
        );
        assert_eq!(values("fn f() { dbg!(key); }"), [("key".into(), true)]);
    }

    #[test]
    fn captured_hole_span_points_into_the_literal() {
        let src = r#"fn f() { log::info!("a\n{token}"); }"#;
        let (_, facts) = facts(src);
        let v = &facts.calls[0].values[0];
        assert_eq!(v.captured.as_deref(), Some("token"));
        assert_eq!(&src[v.span.start as usize..v.span.end as usize], "{token}");
    }

    #[test]
    fn instrument_skips_and_fields() {
        let (_, found) = facts(
            "#[instrument(skip(pool, password), fields(api_key = %k, a.b, ?c))] fn f(pool: Pool, password: String, email: String) {}",
        );
        let inst = &found.instrumented[0];
        let recorded: Vec<&str> = inst.recorded.iter().map(|(n, ..)| n.as_str()).collect();
        assert_eq!(recorded, ["email"]);
        // `a.b` without a value is an empty field; `?c` records the local `c`.
        assert_eq!(inst.fields, ["api_key", "c"]);
        let (_, empty) =
            facts("#[instrument(fields(session_id = tracing::field::Empty, b = 1))] fn f() {}");
        assert_eq!(empty.instrumented[0].fields, ["b"]);
        let (_, skip_all) = facts("#[tracing::instrument(skip_all)] fn f(password: String) {}");
        assert!(skip_all.instrumented[0].recorded.is_empty());
    }
}
