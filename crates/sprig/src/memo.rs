//! A small process-wide memory of answers, for functions charts call over and over with the
//! same arguments and that cost far more to compute than to look up (compiling a regex,
//! parsing a semver constraint).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};

/// Answers keyed by their arguments, shared by every thread. It holds at most `capacity`
/// answers and starts over when full: charts use a handful of distinct arguments, and a
/// template that makes endless new ones must not grow it without bound.
pub(crate) struct Memo<K, V> {
    capacity: usize,
    answers: OnceLock<Mutex<HashMap<K, V>>>,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    pub(crate) const fn new(capacity: usize) -> Self {
        Memo { capacity, answers: OnceLock::new() }
    }

    /// The remembered answer for `key`, or `compute()`'s, remembered. The lock is not held
    /// while computing, so two threads may compute the same answer once each.
    pub(crate) fn get_or_compute<Q>(&self, key: &Q, compute: impl FnOnce() -> V) -> V
    where
        K: Borrow<Q>,
        Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
    {
        let answers = self.answers.get_or_init(Default::default);
        if let Some(known) = answers.lock().unwrap_or_else(|e| e.into_inner()).get(key) {
            return known.clone();
        }
        let answer = compute();
        let mut answers = answers.lock().unwrap_or_else(|e| e.into_inner());
        if answers.len() >= self.capacity {
            answers.clear();
        }
        answers.insert(key.to_owned(), answer.clone());
        answer
    }
}
