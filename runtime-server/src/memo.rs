//! Values read from the database and kept in memory until the code that
//! changes them says so.
//!
//! The embedded database belongs to one process, so the code paths that
//! change what a [`Memo`] holds are all in this one, and each calls
//! [`Memo::forget`] (or [`Memo::forget_where`]) once its change is stored.
//! A value read while such a change ran may be the old one: the reader uses
//! it but does not keep it. That is what the generation is for:
//! [`Memo::get_or_read`] notes it before reading and keeps the value read
//! only if nothing was forgotten since.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

/// A bounded map of values read from the database, forgotten on change.
#[derive(Debug)]
pub struct Memo<K, V> {
    entries: Mutex<Entries<K, V>>,
    capacity: usize,
}

#[derive(Debug)]
struct Entries<K, V> {
    /// Counts `forget` calls.
    generation: u64,
    values: HashMap<K, V>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// An empty memo that is cleared when it would grow past `capacity`.
    pub fn new(capacity: usize) -> Self {
        Self { entries: Mutex::new(Entries { generation: 0, values: HashMap::new() }), capacity }
    }

    /// The value when known; else `read` reads it, and it is kept unless
    /// something was forgotten while it was being read.
    pub async fn get_or_read<E>(&self, key: K, read: impl Future<Output = Result<V, E>>) -> Result<V, E> {
        let generation = match self.get(&key) {
            Ok(value) => return Ok(value),
            Err(generation) => generation,
        };
        let value = read.await?;
        self.insert(key, value.clone(), generation);
        Ok(value)
    }

    /// The value when known; else the generation under which a value read
    /// now may be kept.
    fn get(&self, key: &K) -> Result<V, u64> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.values.get(key).cloned().ok_or(entries.generation)
    }

    /// Keeps a value read under `generation`, unless anything was forgotten since.
    fn insert(&self, key: K, value: V, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.generation != generation {
            return;
        }
        if entries.values.len() >= self.capacity && !entries.values.contains_key(&key) {
            entries.values.clear();
        }
        entries.values.insert(key, value);
    }

    /// Drops a value after what it was read from changed.
    pub fn forget(&self, key: &K) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.generation = entries.generation.wrapping_add(1);
        entries.values.remove(key);
    }

    /// Drops every value whose key matches, e.g. a deleted tenant's.
    pub fn forget_where(&self, matches: impl Fn(&K) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.generation = entries.generation.wrapping_add(1);
        entries.values.retain(|key, _| !matches(key));
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn a_value_read_while_something_was_forgotten_is_not_kept() {
        let memo: Memo<&str, u32> = Memo::new(8);
        let Err(generation) = memo.get(&"a") else { panic!("an empty memo holds nothing") };
        memo.forget(&"b");
        memo.insert("a", 1, generation);
        assert!(memo.get(&"a").is_err(), "a value read before a change must not be kept");
        let Err(generation) = memo.get(&"a") else { panic!("nothing was kept") };
        memo.insert("a", 2, generation);
        assert_eq!(memo.get(&"a"), Ok(2));
        memo.forget_where(|key| *key == "a");
        assert!(memo.get(&"a").is_err());
    }

    #[test]
    fn a_full_memo_starts_again_when_a_new_key_comes() {
        let memo: Memo<u32, u32> = Memo::new(2);
        for key in 0..2 {
            memo.insert(key, key, 0);
        }
        memo.insert(1, 10, 0);
        assert_eq!((memo.get(&0), memo.get(&1)), (Ok(0), Ok(10)), "replacing a value keeps the others");
        memo.insert(2, 2, 0);
        assert!(memo.get(&0).is_err() && memo.get(&1).is_err());
        assert_eq!(memo.get(&2), Ok(2));
    }

    #[tokio::test]
    async fn get_or_read_reads_once_and_keeps_nothing_read_during_a_change() {
        let memo: Memo<&str, u32> = Memo::new(8);
        assert_eq!(memo.get_or_read("a", async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(memo.get_or_read("a", async { Ok::<_, ()>(2) }).await, Ok(1), "kept after the first read");
        let during = memo.get_or_read("b", async {
            memo.forget(&"a");
            Ok::<_, ()>(3)
        });
        assert_eq!(during.await, Ok(3));
        assert_eq!(memo.get_or_read("b", async { Ok::<_, ()>(4) }).await, Ok(4), "read during a change: not kept");
        assert_eq!(memo.get_or_read("c", async { Err::<u32, _>("failed") }).await, Err("failed"));
        assert!(memo.get(&"c").is_err(), "a failed read keeps nothing");
    }
}
