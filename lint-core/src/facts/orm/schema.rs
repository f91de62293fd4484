//! Tables declared in Rust: diesel `table!` blocks and sea-orm entities (`DeriveEntityModel`).

use crate::model::RustFile;
use crate::source::SourceFile;
use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;
use std::sync::Arc;

/// A table as a Rust declaration describes it.
#[derive(Debug, Clone)]
pub struct RustTable {
    pub name: String,
    pub columns: Vec<String>,
    pub primary_key: Vec<String>,
    /// Columns declared `Nullable<..>` (diesel) or `Option<..>` (sea-orm).
    pub nullable: Vec<String>,
    /// `(column, referenced table)` from diesel's `joinable!`.
    pub foreign_keys: Vec<(String, String)>,
    pub file: Arc<SourceFile>,
    pub span: crate::span::Span,
}

/// The tables of the `table!` / `diesel::table!` blocks of one file.
pub fn diesel_tables(source: &Arc<SourceFile>, rust: &RustFile) -> Vec<RustTable> {
    let mut out = Vec::new();
    for m in rust.item_macros.iter().filter(|m| m.path.last() == "table") {
        let Ok(tokens) = TokenStream::from_str(&m.tokens) else {
            continue;
        };
        let mut name: Option<String> = None;
        let mut primary_key = Vec::new();
        let mut after_hash = false;
        for tree in tokens {
            match tree {
                TokenTree::Punct(p) if p.as_char() == '#' => after_hash = true,
                TokenTree::Group(g) if after_hash && g.delimiter() == Delimiter::Bracket => {
                    after_hash = false
                }
                // `use diesel::sql_types::*;` lines reset the state.
                TokenTree::Punct(p) if p.as_char() == ';' => name = None,
                // `schema.table`: keep the last name.
                TokenTree::Ident(i) => name = Some(i.to_string()),
                TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                    primary_key = idents(g.stream());
                }
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    if let Some(table) = name.take() {
                        let (columns, nullable) = arrow_columns(g.stream());
                        if primary_key.is_empty() && columns.iter().any(|c| c == "id") {
                            primary_key.push("id".into());
                        }
                        out.push(RustTable {
                            name: table.trim_start_matches("r#").to_string(),
                            columns,
                            primary_key: std::mem::take(&mut primary_key),
                            nullable,
                            foreign_keys: Vec::new(),
                            file: source.clone(),
                            span: m.span,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn idents(stream: TokenStream) -> Vec<String> {
    stream
        .into_iter()
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string().trim_start_matches("r#").to_string()),
            _ => None,
        })
        .collect()
}

/// `joinable!(child -> parent (fk))` of one file: `(child, parent, fk)`.
pub fn diesel_joinables(rust: &RustFile) -> Vec<(String, String, String)> {
    rust.item_macros
        .iter()
        .filter(|m| m.path.last() == "joinable")
        .filter_map(|m| {
            let mut trees = TokenStream::from_str(&m.tokens).ok()?.into_iter();
            let names = idents(trees.clone().collect());
            let fk = trees.find_map(|t| match t {
                TokenTree::Group(g) => idents(g.stream()).into_iter().next(),
                _ => None,
            })?;
            match names.as_slice() {
                [child, parent] => Some((child.clone(), parent.clone(), fk)),
                _ => None,
            }
        })
        .collect()
}

/// `name -> Type,` pairs of a table body: the names before each `->`, and those whose type is
/// `Nullable<..>`.
fn arrow_columns(stream: TokenStream) -> (Vec<String>, Vec<String>) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::new();
    let mut nullable = Vec::new();
    for (i, t) in trees.iter().enumerate() {
        let TokenTree::Ident(name) = t else { continue };
        let arrow = matches!(
            (trees.get(i + 1), trees.get(i + 2)),
            (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == '-' && b.as_char() == '>'
        );
        if arrow {
            let column = name.to_string().trim_start_matches("r#").to_string();
            if matches!(trees.get(i + 3), Some(TokenTree::Ident(t)) if t == "Nullable") {
                nullable.push(column.clone());
            }
            out.push(column);
        }
    }
    (out, nullable)
}

/// A sea-orm entity: the `Model` struct deriving `DeriveEntityModel`, its module (the file's
/// name, `mod.rs` taking its folder's) and its table.
#[derive(Debug, Clone)]
pub struct Entity {
    pub module: String,
    pub table: RustTable,
}

/// The relations an entity file declares: `(module, variant, target module)` for each
/// `#[sea_orm(has_many = "super::endpoint::Entity")] Endpoint` of its `Relation` enum.
pub fn sea_orm_relations(rel_path: &str, rust: &RustFile) -> Vec<(String, String, String)> {
    let module = entity_module(rel_path);
    let mut out = Vec::new();
    for e in rust.enums.iter().filter(|e| e.name.name == "Relation") {
        for (variant, attrs) in &e.variants {
            let target = attrs
                .iter()
                .filter(|a| a.path.last() == "sea_orm")
                .flat_map(|a| &a.strings)
                .find_map(|(text, _)| {
                    let mut parts = text.rsplit("::");
                    (parts.next()? == "Entity").then(|| parts.next().unwrap_or(&module).to_string())
                });
            if let Some(target) = target {
                out.push((module.clone(), variant.name.clone(), target));
            }
        }
    }
    out
}

pub fn sea_orm_entities(source: &Arc<SourceFile>, rust: &RustFile) -> Vec<Entity> {
    let module = entity_module(&source.rel_path);
    rust.structs
        .iter()
        .filter(|s| s.derives("DeriveEntityModel"))
        .filter_map(|s| {
            let table = s
                .attrs
                .iter()
                .filter(|a| a.path.last() == "sea_orm" && a.tokens.contains("table_name"))
                .find_map(|a| a.strings.first().map(|(v, _)| v.clone()))?;
            let primary_key = s
                .fields
                .iter()
                .filter(|f| {
                    f.attrs
                        .iter()
                        .any(|a| a.path.last() == "sea_orm" && a.tokens.contains("primary_key"))
                })
                .map(|f| f.name.name.clone())
                .collect();
            let nullable = s
                .fields
                .iter()
                .filter(|f| f.ty.name() == "Option")
                .map(|f| f.name.name.clone())
                .collect();
            Some(Entity {
                module: module.clone(),
                table: RustTable {
                    name: table,
                    columns: s.fields.iter().map(|f| f.name.name.clone()).collect(),
                    primary_key,
                    nullable,
                    foreign_keys: Vec::new(),
                    file: source.clone(),
                    span: s.name.span,
                },
            })
        })
        .collect()
}

/// Tables created by sea-orm-migration in Rust: `Table::create().table(Org::Table)
/// .col(ColumnDef::new(Org::OrgId)..)` (or the `string(Org::OrgId)` column helpers).
pub fn sea_orm_migration_tables(source: &Arc<SourceFile>, rust: &RustFile) -> Vec<RustTable> {
    use crate::ir::ExprKind;
    let mut out = Vec::new();
    for &(id, _) in &rust.calls {
        let ExprKind::Call { func, .. } = &rust.expr(id).kind else {
            continue;
        };
        let is_create = matches!(&rust.expr(*func).kind, ExprKind::Path(p) if p.ends_with(&["Table", "create"]));
        if !is_create {
            continue;
        }
        // The calls list holds the chain's method calls after this one, receivers first.
        let mut table: Option<(String, String)> = None;
        let mut columns = Vec::new();
        let mut current = id;
        while let Some(parent) = method_parent(rust, current) {
            current = parent;
            let ExprKind::MethodCall { method, args, .. } = &rust.expr(parent).kind else {
                break;
            };
            let Some(&arg) = args.first() else { continue };
            match method.name.as_str() {
                "table" => table = iden(rust, arg),
                // Every `Enum::Variant` in the column definition; those of the table's enum are
                // kept below (`ColumnDef::new` is a path too).
                "col" => rust.walk_expr(arg, &mut |e| columns.extend(iden(rust, e))),
                _ => {}
            }
        }
        if let Some((enum_name, _)) = table {
            let mut names: Vec<String> = Vec::new();
            for (e, c) in columns {
                let c = crate::semantic::vocab::to_snake(&c);
                if e == enum_name && c != "table" && !names.contains(&c) {
                    names.push(c);
                }
            }
            out.push(RustTable {
                name: crate::semantic::vocab::to_snake(&enum_name),
                columns: names,
                primary_key: Vec::new(),
                nullable: Vec::new(),
                foreign_keys: Vec::new(),
                file: source.clone(),
                span: rust.expr(id).span,
            });
        }
    }
    out
}

/// `Org::OrgId` → (`Org`, `OrgId`).
fn iden(rust: &RustFile, id: crate::ir::ExprId) -> Option<(String, String)> {
    match &rust.expr(rust.strip(id)).kind {
        crate::ir::ExprKind::Path(p) if p.segments.len() >= 2 => {
            let n = p.segments.len();
            Some((p.segments[n - 2].clone(), p.segments[n - 1].clone()))
        }
        _ => None,
    }
}

/// The method call whose receiver is `id`, if any (calls are listed in source order, so the
/// search starts after it).
fn method_parent(rust: &RustFile, id: crate::ir::ExprId) -> Option<crate::ir::ExprId> {
    rust.calls.iter().map(|(c, _)| *c).find(|&c| {
        matches!(&rust.expr(c).kind, crate::ir::ExprKind::MethodCall { receiver, .. } if rust.strip(*receiver) == id || *receiver == id)
    })
}

/// `src/db/models/application.rs` → `application`; `entities/user/mod.rs` → `user`.
pub fn entity_module(rel_path: &str) -> String {
    let mut parts = rel_path.rsplit('/');
    let file = parts.next().unwrap_or("");
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    if stem == "mod" {
        parts.next().unwrap_or(stem).to_string()
    } else {
        stem.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_blocks_give_columns_and_keys() {
        let src = "diesel::table! {\n use diesel::sql_types::*;\n #[sql_name = \"x\"]\n ciphers (uuid) { uuid -> Text, #[sql_name = \"t\"] r#type -> Integer, org_uuid -> Nullable<Text>, }\n users { id -> Int4, }\n}\n";
        let source = Arc::new(SourceFile::new(
            "s.rs".into(),
            "src/schema.rs".into(),
            crate::source::FileKind::Rust,
            src.into(),
        ));
        let rust = crate::parse::parse_rust(src).expect("parses");
        let tables = diesel_tables(&source, &rust);
        let summary: Vec<_> = tables
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.columns.join(","),
                    t.primary_key.join(","),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "ciphers",
                    "uuid,type,org_uuid".to_string(),
                    "uuid".to_string()
                ),
                ("users", "id".to_string(), "id".to_string())
            ]
        );
        assert_eq!(tables[0].nullable, ["org_uuid"]);
        let migration =
            "fn up() { m.create_table(Table::create().table(Application::Table).if_not_exists()
            .col(ColumnDef::new(Application::Id).string().not_null().primary_key())
            .col(string(Application::OrgId)).to_owned()); }";
        let rust = crate::parse::parse_rust(migration).expect("parses");
        let created = sea_orm_migration_tables(&source, &rust);
        let summary: Vec<_> = created
            .iter()
            .map(|t| (t.name.as_str(), t.columns.join(",")))
            .collect();
        assert_eq!(summary, [("application", "id,org_id".to_string())]);
        assert_eq!(entity_module("a/user/mod.rs"), "user");
    }

    #[test]
    fn relations_name_their_target_entity() {
        let text = r#"
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {
                #[sea_orm(belongs_to = "super::organization::Entity", from = "Column::OrgId", to = "super::organization::Column::Id")]
                Owner,
                #[sea_orm(has_many = "Entity")]
                Children,
                Plain,
            }
            pub enum Other { #[sea_orm(has_many = "super::x::Entity")] X }"#;
        let rust = crate::parse::parse_rust(text).expect("parses");
        let relations = sea_orm_relations("src/entities/application.rs", &rust);
        let triple = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            relations,
            [
                triple("application", "Owner", "organization"),
                triple("application", "Children", "application"),
            ]
        );
    }
}
