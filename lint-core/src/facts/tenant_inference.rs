//! Which column names the tenant, when the configuration does not say: read from the schema's
//! structure (foreign keys and keys), never from a list of table or column names.
//!
//! A tenant is a row that most other rows belong to. Two shapes are recognised:
//! - **Root table.** Several tables reference one table by foreign key; the columns that do so
//!   are the tenant columns. When that table itself references another candidate root (users
//!   that belong to an organization), the outer one is the tenant. When the two are linked by a
//!   membership table instead (a table keyed by both references: users that are members of
//!   organizations), structure cannot say which side is the group, so a name that says tenant
//!   picks it (`membership_group`).
//! - **External tenant.** No table holds the tenants (the id comes from an identity provider),
//!   but one column leads the composite keys of several tables: names, slugs and ids are unique
//!   *per* that column.
//!
//! Names only break ties between candidates the structure ranks equal.

use crate::facts::schema::{table_key, Schema, Table};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What inference concluded, with the evidence shown to the user.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub enum TenantInference {
    /// `tenant-columns` is set in the configuration: nothing was inferred.
    Configured,
    Inferred(InferredTenant),
    /// Nothing in the schema looks like a tenant; the built-in default column applies.
    NotFound {
        tables: usize,
    },
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InferredTenant {
    /// The tenant columns, the most widespread first.
    pub columns: Vec<String>,
    /// Tables that have one of the columns.
    pub covered: usize,
    /// Tables in the schema.
    pub tables: usize,
    /// The table the columns reference, when one does.
    pub root: Option<String>,
    /// Tables whose composite keys start with the column (the external-tenant shape).
    pub keyed: usize,
}

impl TenantInference {
    /// One line for the output's head and `cargo tenantlint config`; `None` when configured.
    pub fn describe(&self, default_column: &str) -> Option<String> {
        match self {
            TenantInference::Configured => None,
            TenantInference::Inferred(t) => {
                let columns = t
                    .columns
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let noun = if t.columns.len() == 1 {
                    "column"
                } else {
                    "columns"
                };
                let why = match &t.root {
                    Some(root) => format!("references `{root}`"),
                    None => format!("leads the composite keys of {}", t.keyed),
                };
                Some(format!(
                    "assuming tenant {noun} {columns}: on {} of {} tables, {why} \
                     (set `tenant-columns` in tenantlint.toml to choose; `cargo tenantlint init` writes one)",
                    t.covered, t.tables
                ))
            }
            TenantInference::NotFound { tables: 0 } => Some(format!(
                "no tenant table found: no schema in migrations, diesel `table!` or sea-orm \
                 entities; assuming tenant column `{default_column}`: set `tenant-columns` in \
                 tenantlint.toml (`cargo tenantlint init` writes a starter file)"
            )),
            TenantInference::NotFound { tables } => Some(format!(
                "no tenant table found in {tables} tables (no table most others reference, no column \
                 that scopes their keys); assuming tenant column `{default_column}`: set \
                 `tenant-columns` in tenantlint.toml (`cargo tenantlint init` writes a starter file)"
            )),
        }
    }
}

/// A candidate root needs this many tables that carry its column.
const MIN_COVERED: usize = 2;

/// Infers the tenant columns of a schema.
pub fn infer(schema: &Schema) -> TenantInference {
    let tables: Vec<&Table> = schema.tables.values().collect();
    let not_found = TenantInference::NotFound {
        tables: tables.len(),
    };
    let by_root = root_candidates(&tables);
    let best_root = by_root
        .iter()
        .filter(|r| r.covered >= MIN_COVERED)
        .max_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| b.root.cmp(&a.root)));
    let chosen =
        best_root.map(|r| outermost(membership_group(r, &by_root, &tables), &by_root, &tables));
    let keyed = keyed_candidate(&tables);
    let result = match (chosen, keyed) {
        // An external tenant that scopes more tables than the root, or scopes the root table
        // itself, is the outer one: the root is then a sub-tenant (applications of an
        // organization whose table lives elsewhere).
        (Some(r), Some(k))
            if k.keyed >= MIN_COVERED
                && (k.covered > r.covered || carries(&tables, &r.root, &k.columns[0])) =>
        {
            InferredTenant {
                tables: tables.len(),
                ..k
            }
        }
        (Some(r), _) => InferredTenant {
            columns: r.columns.iter().map(|(c, _)| c.clone()).collect(),
            covered: r.covered,
            tables: tables.len(),
            root: Some(r.root.clone()),
            keyed: 0,
        },
        (None, Some(k)) if k.keyed >= MIN_COVERED => InferredTenant {
            tables: tables.len(),
            ..k
        },
        _ => return not_found,
    };
    TenantInference::Inferred(result)
}

/// Whether a table's rows carry `column` as a reference to their owner: a table whose whole
/// primary key is the column is the owner itself.
fn scoped_by(t: &Table, column: &str) -> bool {
    t.has_column(column)
        && !(t.primary_key.len() == 1 && t.primary_key[0].eq_ignore_ascii_case(column))
}

fn carries(tables: &[&Table], table: &str, column: &str) -> bool {
    tables
        .iter()
        .any(|t| table_key(&t.name) == table && t.has_column(column))
}

/// A table other tables reference, with the referencing columns.
#[derive(Debug)]
struct RootCandidate {
    root: String,
    /// Column names that reference the root, each with the tables that have it.
    columns: Vec<(String, usize)>,
    /// Tables (other than the root) that carry one of the columns.
    covered: usize,
    /// Tables that reference the root by a declared foreign key.
    referrers: usize,
    /// Candidate roots this root itself references.
    parents: BTreeSet<String>,
}

/// Structure first; a name that says tenant only breaks a tie.
fn rank(r: &RootCandidate) -> (usize, usize, bool) {
    (r.covered, r.referrers, names_a_tenant(&r.root))
}

fn root_candidates(tables: &[&Table]) -> Vec<RootCandidate> {
    // root → column → referencing tables
    let mut refs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for t in tables {
        let from = table_key(&t.name);
        for (column, target) in &t.foreign_keys {
            let target = table_key(target);
            if target != from {
                refs.entry(target)
                    .or_default()
                    .entry(column.to_ascii_lowercase())
                    .or_default()
                    .insert(from.clone());
            }
        }
    }
    let roots: BTreeSet<&String> = refs.keys().collect();
    refs.iter()
        .map(|(root, by_column)| {
            let carriers = |column: &str| {
                tables
                    .iter()
                    .filter(|t| table_key(&t.name) != *root && scoped_by(t, column))
                    .count()
            };
            let mut columns: Vec<(String, usize)> =
                by_column.keys().map(|c| (c.clone(), carriers(c))).collect();
            columns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            // A column on one table only is a one-off reference (`fork_of`), not a scope.
            let widest = columns.first().map_or(0, |c| c.1);
            columns.retain(|c| c.1 >= MIN_COVERED || c.1 == widest);
            let covered = tables
                .iter()
                .filter(|t| {
                    table_key(&t.name) != *root && columns.iter().any(|(c, _)| scoped_by(t, c))
                })
                .count();
            let referrers: BTreeSet<&String> = by_column.values().flatten().collect();
            let parents = tables
                .iter()
                .find(|t| table_key(&t.name) == *root)
                .map(|t| {
                    t.foreign_keys
                        .iter()
                        .map(|(_, target)| table_key(target))
                        .filter(|p| p != root && roots.contains(p))
                        .collect()
                })
                .unwrap_or_default();
            RootCandidate {
                root: root.clone(),
                columns,
                covered,
                referrers: referrers.len(),
                parents,
            }
        })
        .collect()
}

/// The group side of a many-to-many membership between `root` and another candidate that covers at
/// least half as many tables: a table with foreign keys to both, one of whose keys holds both
/// columns, links members to groups. The link is symmetric, so the side whose name says tenant is
/// the group; when neither or both do, `root` stays.
fn membership_group<'a>(
    root: &'a RootCandidate,
    all: &'a [RootCandidate],
    tables: &[&Table],
) -> &'a RootCandidate {
    if names_a_tenant(&root.root) {
        return root;
    }
    all.iter()
        .filter(|g| g.root != root.root && 2 * g.covered >= root.covered)
        .filter(|g| names_a_tenant(&g.root) && membership_linked(&root.root, &g.root, tables))
        .max_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| b.root.cmp(&a.root)))
        .unwrap_or(root)
}

/// Whether a table with foreign keys to both `a` and `b` has a key holding both columns: a
/// many-to-many membership.
fn membership_linked(a: &str, b: &str, tables: &[&Table]) -> bool {
    tables.iter().any(|link| {
        let to = |target: &str| -> Vec<String> {
            link.foreign_keys
                .iter()
                .filter(|(_, t)| table_key(t) == target)
                .map(|(c, _)| c.to_ascii_lowercase())
                .collect()
        };
        let (to_a, to_b) = (to(a), to(b));
        let holds = |key: &[String], cols: &[String]| {
            key.iter().any(|k| cols.contains(&k.to_ascii_lowercase()))
        };
        link.keys()
            .any(|key| holds(key, &to_a) && holds(key, &to_b))
    })
}

/// Follows `root`'s own references up to the outermost candidate that still covers at least
/// half as many tables: users belong to an organization, so the organization is the tenant. A
/// reference to a candidate that is also linked by membership is to one of the members (a
/// workspace's owner among its members), not to an outer scope.
fn outermost<'a>(
    start: &'a RootCandidate,
    all: &'a [RootCandidate],
    tables: &[&Table],
) -> &'a RootCandidate {
    let mut current = start;
    let mut seen = BTreeSet::new();
    while seen.insert(current.root.clone()) {
        let parent = all
            .iter()
            .filter(|p| {
                current.parents.contains(&p.root)
                    && 2 * p.covered >= current.covered
                    && !membership_linked(&current.root, &p.root, tables)
            })
            .max_by(|a, b| rank(a).cmp(&rank(b)));
        match parent {
            Some(p) => current = p,
            None => break,
        }
    }
    current
}

/// The column that leads the most composite keys (primary or unique) across tables, with the
/// tables that carry it. A composite key `(org_id, name)` says names are unique per `org_id`.
fn keyed_candidate(tables: &[&Table]) -> Option<InferredTenant> {
    // A column that references a table is a root candidate (or beneath one), never external.
    let references: BTreeSet<String> = tables
        .iter()
        .flat_map(|t| t.foreign_keys.iter().map(|(c, _)| c.to_ascii_lowercase()))
        .collect();
    let mut leads: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for t in tables {
        let partial = t.partial_unique_keys.iter().map(Vec::as_slice);
        for key in t
            .keys()
            .chain(partial)
            .filter(|k| k.len() >= 2 && !k[0].is_empty())
        {
            leads
                .entry(key[0].to_ascii_lowercase())
                .or_default()
                .insert(table_key(&t.name));
        }
    }
    leads
        .into_iter()
        .filter(|(column, _)| !references.contains(column))
        .map(|(column, keyed)| {
            let covered = tables.iter().filter(|t| scoped_by(t, &column)).count();
            (column, keyed.len(), covered)
        })
        .max_by(|a, b| {
            (a.1, a.2, names_a_tenant(&a.0))
                .cmp(&(b.1, b.2, names_a_tenant(&b.0)))
                .then_with(|| b.0.cmp(&a.0))
        })
        .map(|(column, keyed, covered)| InferredTenant {
            columns: vec![column],
            covered,
            tables: tables.len(),
            root: None,
            keyed,
        })
}

/// The tie-breaker: a name that says what a tenant usually is called.
fn names_a_tenant(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "tenant",
        "org",
        "workspace",
        "account",
        "team",
        "company",
        "customer",
        "merchant",
        "silo",
    ];
    let lower = name.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::schema::Table;

    fn table(name: &str, columns: &[&str], fks: &[(&str, &str)], keys: &[&[&str]]) -> Table {
        Table {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            foreign_keys: fks
                .iter()
                .map(|(c, t)| (c.to_string(), t.to_string()))
                .collect(),
            declared_in: String::new(),
            declared_at: Default::default(),
            file: None,
            rls: Default::default(),
            not_null: Vec::new(),
            primary_key: vec!["id".into()],
            unique_keys: keys
                .iter()
                .map(|k| crate::facts::schema::UniqueKey {
                    name: String::new(),
                    columns: k.iter().map(|c| c.to_string()).collect(),
                })
                .collect(),
            partial_unique_keys: Vec::new(),
            added_columns: Vec::new(),
            created_as: Vec::new(),
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables
                .into_iter()
                .map(|t| (table_key(&t.name), t))
                .collect(),
            cockroach_ddl: false,
        }
    }

    fn inferred(s: &Schema) -> InferredTenant {
        match infer(s) {
            TenantInference::Inferred(t) => t,
            other => panic!("expected an inference, got {other:?}"),
        }
    }

    #[test]
    fn members_linked_to_groups_by_a_membership_table_make_the_group_the_tenant() {
        let user = |name: &str| table(name, &["id", "member"], &[("member", "people")], &[]);
        let s = schema(vec![
            table("people", &["id"], &[], &[]),
            table("organizations", &["id"], &[], &[]),
            table(
                "memberships",
                &["id", "member", "org"],
                &[("member", "people"), ("org", "organizations")],
                &[&["member", "org"]],
            ),
            user("devices"),
            user("sessions"),
            user("folders"),
            table("projects", &["id", "org"], &[("org", "organizations")], &[]),
            table("policies", &["id", "org"], &[("org", "organizations")], &[]),
        ]);
        let t = inferred(&s);
        assert_eq!(t.root.as_deref(), Some("organizations"));
        assert_eq!(t.columns, vec!["org"]);
        // Without the link the wider root stays.
        let mut unlinked = s.clone();
        unlinked
            .tables
            .get_mut("memberships")
            .unwrap()
            .unique_keys
            .clear();
        assert_eq!(inferred(&unlinked).root.as_deref(), Some("people"));
    }

    #[test]
    fn a_groups_owner_among_its_members_is_not_an_outer_scope() {
        let s = schema(vec![
            table("people", &["id"], &[], &[]),
            table("workspaces", &["id", "owner"], &[("owner", "people")], &[]),
            table(
                "members",
                &["id", "person", "space"],
                &[("person", "people"), ("space", "workspaces")],
                &[&["person", "space"]],
            ),
            table("devices", &["id", "person"], &[("person", "people")], &[]),
            table("pages", &["id", "space"], &[("space", "workspaces")], &[]),
            table("files", &["id", "space"], &[("space", "workspaces")], &[]),
        ]);
        assert_eq!(inferred(&s).root.as_deref(), Some("workspaces"));
    }

    #[test]
    fn the_outer_root_wins_over_users_that_belong_to_it() {
        let s = schema(vec![
            table("spaces", &["id"], &[], &[]),
            table(
                "members",
                &["id", "space_ref"],
                &[("space_ref", "spaces")],
                &[],
            ),
            table(
                "docs",
                &["id", "space_ref", "author"],
                &[("space_ref", "spaces"), ("author", "members")],
                &[],
            ),
            table(
                "comments",
                &["id", "space_ref", "author"],
                &[("author", "members")],
                &[],
            ),
            table("likes", &["id", "author"], &[("author", "members")], &[]),
        ]);
        let t = inferred(&s);
        assert_eq!(t.columns, vec!["space_ref"]);
        assert_eq!(t.root.as_deref(), Some("spaces"));
        assert_eq!((t.covered, t.tables), (3, 5));
    }

    #[test]
    fn every_column_that_references_the_root_is_a_tenant_column() {
        let s = schema(vec![
            table("vaults", &["id"], &[], &[]),
            table("a", &["id", "vault_ref"], &[("vault_ref", "vaults")], &[]),
            table("b", &["id", "vault_ref"], &[("vault_ref", "vaults")], &[]),
            table(
                "c",
                &["id", "owner_vault"],
                &[("owner_vault", "vaults")],
                &[],
            ),
            table(
                "d",
                &["id", "owner_vault"],
                &[("owner_vault", "vaults")],
                &[],
            ),
            table(
                "e",
                &["id", "forked_from"],
                &[("forked_from", "vaults")],
                &[],
            ),
        ]);
        assert_eq!(inferred(&s).columns, vec!["owner_vault", "vault_ref"]);
    }

    #[test]
    fn a_column_that_scopes_composite_keys_is_an_external_tenant() {
        let s = schema(vec![
            table("apps", &["id", "realm", "uid"], &[], &[&["realm", "uid"]]),
            table(
                "kinds",
                &["id", "realm", "name"],
                &[],
                &[&["realm", "name"]],
            ),
            table("hooks", &["id", "app_id"], &[("app_id", "apps")], &[]),
            table("events", &["id", "realm"], &[], &[]),
        ]);
        let t = inferred(&s);
        assert_eq!(t.columns, vec!["realm"]);
        assert_eq!((t.root, t.keyed, t.covered), (None, 2, 3));
    }

    #[test]
    fn a_schema_without_shared_parents_or_scoped_keys_infers_nothing() {
        let s = schema(vec![
            table("a", &["id", "name"], &[], &[]),
            table("b", &["id", "a_id"], &[("a_id", "a")], &[]),
        ]);
        assert_eq!(infer(&s), TenantInference::NotFound { tables: 2 });
    }
}
