//! The unit tree: descendants and cycle checks over (id, parent) pairs.

use std::collections::{HashMap, HashSet};

use crate::db::types::Id;

/// `root` and every unit below it.
pub fn subtree(root: &Id, edges: &[(Id, Option<Id>)]) -> HashSet<Id> {
    let mut children: HashMap<&Id, Vec<&Id>> = HashMap::new();
    for (id, parent) in edges {
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(id);
        }
    }
    let mut found = HashSet::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        if found.insert(id.clone()) {
            stack.extend(children.get(id).into_iter().flatten().copied());
        }
    }
    found
}

/// Would making `new_parent` the parent of `unit` close a cycle?
pub fn would_cycle(unit: &Id, new_parent: &Id, edges: &[(Id, Option<Id>)]) -> bool {
    subtree(unit, edges).contains(new_parent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_cannot_move_below_its_own_descendant() {
        let (a, b, c, d) = (Id::new(), Id::new(), Id::new(), Id::new());
        let edges = vec![
            (a.clone(), None),
            (b.clone(), Some(a.clone())),
            (c.clone(), Some(b.clone())),
            (d.clone(), None),
        ];
        assert!(would_cycle(&a, &c, &edges));
        assert!(would_cycle(&a, &a, &edges));
        assert!(!would_cycle(&c, &d, &edges));
        assert_eq!(subtree(&a, &edges).len(), 3);
    }
}
