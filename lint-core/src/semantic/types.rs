//! Questions about declared types that are not about any framework: which standard containers
//! hold a value without changing what it is, and the type under references and such holders.

use crate::ir::Ty;

/// Smart pointers, cells and lazies of std (and `once_cell`, tokio's locks by the same names):
/// an `Arc<T>` is the `T` it holds, for what the value is, where it came from and how it
/// formats. Collections (`Vec`) are not here: a list of keys is not a key.
const STD_HOLDERS: &[&str] = &[
    "Arc", "Rc", "Box", "Option", "Mutex", "RwLock", "RefCell", "Cell", "Cow", "Pin", "Lazy",
    "LazyLock", "OnceCell", "OnceLock",
];

/// Whether a type name (last path segment) is a std holder.
pub fn is_std_holder(name: &str) -> bool {
    STD_HOLDERS.contains(&name)
}

/// The type under references and the wrappers `is_wrapper` accepts (by last path segment):
/// `&State<Arc<AppState>>` → `AppState` when `State` and `Arc` are wrappers.
pub fn peel<'a>(ty: &'a Ty, is_wrapper: &dyn Fn(&str) -> bool) -> &'a Ty {
    match ty {
        Ty::Ref(inner) => peel(inner, is_wrapper),
        Ty::Path(p) if is_wrapper(p.last()) => {
            p.generics.first().map_or(ty, |t| peel(t, is_wrapper))
        }
        _ => ty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Path;

    fn path(name: &str, generics: Vec<Ty>) -> Ty {
        Ty::Path(Path {
            segments: vec![name.into()],
            generics,
        })
    }

    #[test]
    fn holders_are_std_containers_of_one_value() {
        for n in ["Arc", "Option", "Mutex", "Cow", "OnceLock", "Box"] {
            assert!(is_std_holder(n), "{n}");
        }
        for n in ["Vec", "HashMap", "State", "Json", "String"] {
            assert!(!is_std_holder(n), "{n}");
        }
    }

    #[test]
    fn peel_strips_references_and_accepted_wrappers() {
        let app = path("AppState", vec![]);
        let ty = Ty::Ref(Box::new(path("State", vec![path("Arc", vec![app])])));
        let wrappers = |n: &str| is_std_holder(n) || n == "State";
        assert!(matches!(peel(&ty, &wrappers), Ty::Path(p) if p.last() == "AppState"));
        // `State` is not a std holder: peeling stops at it.
        assert!(matches!(peel(&ty, &is_std_holder), Ty::Path(p) if p.last() == "State"));
        // A wrapper without generics is itself.
        let bare = path("Arc", vec![]);
        assert!(matches!(peel(&bare, &wrappers), Ty::Path(p) if p.last() == "Arc"));
    }
}
