//! Connected sets by union–find: the Nash stage's components (parties joined by face edges)
//! and the parts of a transportation problem (legs joined by usable edges).

/// Disjoint sets over `0..n`; each set's root is its smallest member, so that numbering sets
/// by their roots follows the (sorted) order of the members and nothing else.
pub(crate) struct Joins {
    parent: Vec<usize>,
}

impl Joins {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    /// The root of `a`'s set (halving the path on the way).
    pub(crate) fn root(&mut self, mut a: usize) -> usize {
        while self.parent[a] != a {
            self.parent[a] = self.parent[self.parent[a]];
            a = self.parent[a];
        }
        a
    }

    /// Joins the sets of `a` and `b`.
    pub(crate) fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}
