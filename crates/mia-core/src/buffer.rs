//! Large fresh buffers: fallible zeroed allocation, transparent huge pages, and page faults taken off the
//! thread that fills the buffer.
//!
//! A freshly allocated volume costs more than the copy that fills it: every 4 KiB (or 2 MiB) page faults on its
//! first write and the kernel zeroes it. [`PrefaultedVec`] lets a helper thread take those faults
//! (`MADV_POPULATE_WRITE`, Linux 5.14+) while the owner fills the buffer from a file, a decompressor or
//! samples, so on a machine with a spare core the filling thread runs at copy speed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// `n` default values (zeros for numbers), or `None` instead of an abort when the memory is not there.
///
/// The probe reservation is returned at once; `vec![0; n]` then gets zeroed pages from the allocator (calloc)
/// instead of writing zeros over fresh pages, which saves a pass over large buffers (volumes, assembly buffers).
pub fn try_zeroed_vec<T: Clone + Default>(n: usize) -> Option<Vec<T>> {
    if std::mem::size_of::<T>().saturating_mul(n) >= LARGE_BUFFER_BYTES {
        fresh_pages_for_large_buffers();
    }
    let mut probe: Vec<T> = Vec::new();
    probe.try_reserve_exact(n).ok()?;
    drop(probe);
    let v = vec![T::default(); n];
    advise_huge_pages(&v);
    Some(v)
}

/// Buffers from this size on get fresh pages from the kernel once mia allocated one (glibc: the allocator's mmap
/// threshold is fixed here). Smaller blocks, such as batches of slices allocated and freed in a loop, are reused
/// from the heap without page faults.
pub const LARGE_BUFFER_BYTES: usize = 16 << 20;

/// Fixes glibc's mmap threshold at [`LARGE_BUFFER_BYTES`] (once per process; glibc only; the environment
/// variable `MIA_KEEP_MALLOC_THRESHOLD` turns it off).
///
/// glibc raises its threshold each time a large mapped block is freed (up to 32 MiB), after which blocks of a
/// volume's size come from the heap, where `calloc` has to clear them with `memset` on the calling thread (4 ms
/// for one 28 MB volume here). With the threshold fixed, such buffers are fresh mappings: zero pages that cost
/// nothing until touched, which transparent huge pages and a [`Prefault`] helper make cheap.
fn fresh_pages_for_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            if std::env::var_os("MIA_KEEP_MALLOC_THRESHOLD").is_none() {
                // Fixing the mmap threshold also stops glibc from raising the trim threshold with it; keep that
                // at the largest value glibc's own adjustment reaches, so that freeing sample-sized blocks does
                // not shrink and regrow the heap (fresh page faults) every time.
                // SAFETY: mallopt only changes allocator tuning parameters; it is thread-safe in glibc.
                unsafe {
                    libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
                    libc::mallopt(libc::M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES as libc::c_int);
                }
            }
        });
    }
}

/// Large buffers handed back with [`recycle`], newest last.
static RECYCLED: std::sync::Mutex<Vec<Box<dyn std::any::Any + Send>>> = std::sync::Mutex::new(Vec::new());

/// The most buffers [`recycle`] keeps (the oldest is freed first), so that the memory held stays bounded: a few
/// volumes' worth.
pub const MAX_RECYCLED: usize = 4;

/// Hands a large buffer back for reuse: the next allocation of a buffer of the same element type and length
/// whose every element is about to be overwritten (a volume read from a file or an HDF5 dataset, channels
/// stacked, an assembly buffer; see [`PrefaultedVec::for_overwrite`]) takes it instead of fresh memory.
///
/// Fresh memory is not free: the kernel zeroes every page on its first touch, which on a machine that copies at
/// a few GB/s costs as much as the copy that fills the buffer. A loop that reads, uses and drops volumes of one
/// size can call this (or `ImageData::recycle`) instead of dropping them and run at copy speed. Buffers under
/// [`LARGE_BUFFER_BYTES`] are simply freed (the allocator reuses small blocks anyway); at most [`MAX_RECYCLED`]
/// are kept, process-wide; [`clear_recycled`] frees them.
pub fn recycle<T: Copy + Send + 'static>(v: Vec<T>) {
    if std::mem::size_of_val(v.as_slice()) < LARGE_BUFFER_BYTES {
        return;
    }
    // A poisoned lock only means a panic elsewhere while it was held; the list itself is always whole.
    let mut pool = RECYCLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let evicted = (pool.len() >= MAX_RECYCLED).then(|| pool.remove(0));
    pool.push(Box::new(v));
    drop(pool);
    // Unmapping a large buffer takes a while: not while other threads wait for the lock.
    drop(evicted);
}

/// Serialises the tests that use the process-wide pool (they run on parallel threads of one test binary).
#[cfg(test)]
pub(crate) static TEST_POOL_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Frees every buffer kept by [`recycle`].
pub fn clear_recycled() {
    let taken = std::mem::take(&mut *RECYCLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    drop(taken);
}

/// A buffer handed back with [`recycle`] of exactly `n` elements of `T` (with its old contents: for callers that
/// overwrite every element), the most recently handed back first; `None` if there is none.
pub fn take_recycled<T: Copy + Send + 'static>(n: usize) -> Option<Vec<T>> {
    if std::mem::size_of::<T>().saturating_mul(n) < LARGE_BUFFER_BYTES {
        return None;
    }
    let mut pool = RECYCLED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let i = pool.iter().rposition(|b| b.downcast_ref::<Vec<T>>().is_some_and(|v| v.len() == n))?;
    pool.remove(i).downcast::<Vec<T>>().ok().map(|v| *v)
}

/// A helper thread that maps the pages of a fresh buffer in ahead of the thread that fills it.
///
/// For buffers of [`Prefault::MIN_BYTES`] and more, [`Prefault::start`] spawns a thread that asks the kernel to
/// populate the pages writable (`MADV_POPULATE_WRITE`, Linux 5.14+), 2 MiB at a time from the start (the order
/// in which readers, decompressors and assemblers fill buffers). The owner writes at the same time; where it
/// overtakes the helper it takes the fault itself, so contents and results never depend on the race, only the
/// time does. The helper stops at the end, on the first refusal of the kernel (older kernels; other systems start
/// no helper at all), or when the guard is dropped, which waits for it. Setting the environment
/// variable `MIA_NO_PREFAULT` starts no helpers (e.g. where every core is already busy with other processes). Keep the guard no longer than
/// the buffer: the kernel call never changes the contents of mapped pages, but populating an address range that
/// was freed is wasted work.
#[derive(Debug)]
pub struct Prefault {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Prefault {
    /// Buffers smaller than this are not worth a thread (filling them takes well under a millisecond).
    pub const MIN_BYTES: usize = 8 << 20;

    /// Starts the helper for `buf` (which should be freshly allocated, untouched memory); `None` for small
    /// buffers and where the system offers no way to populate pages.
    pub fn start<T>(buf: &mut [T]) -> Option<Prefault> {
        start_helper(buf.as_ptr() as usize, std::mem::size_of_val(buf))
    }
}

impl Drop for Prefault {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            // The helper is in the kernel for at most one 2 MiB step; it does not panic.
            let _ = handle.join();
        }
    }
}

/// A zeroed vector whose pages a [`Prefault`] helper maps in ahead of the owner's writes.
///
/// ```
/// let mut buf = mia_core::PrefaultedVec::<f32>::try_zeroed(1 << 20).unwrap();
/// buf.as_mut_slice().fill(1.0);
/// let v = buf.into_vec();
/// assert_eq!(v.len(), 1 << 20);
/// assert!(v.iter().all(|&x| x == 1.0));
/// ```
#[derive(Debug)]
pub struct PrefaultedVec<T> {
    // Declared first: dropped (joined) before `vec` is freed.
    helper: Option<Prefault>,
    vec: Vec<T>,
}

impl<T: Clone + Default> PrefaultedVec<T> {
    /// `n` zeros, with a helper thread mapping the pages of large buffers; `None` when the memory is not there.
    pub fn try_zeroed(n: usize) -> Option<Self> {
        let mut vec = try_zeroed_vec(n)?;
        let helper = Prefault::start(&mut vec);
        Some(PrefaultedVec { helper, vec })
    }
}

impl<T: Copy + Default + Send + 'static> PrefaultedVec<T> {
    /// `n` elements that the caller will all overwrite: a buffer handed back with [`recycle`] if one of this type
    /// and length is there (its old contents, no page faults), otherwise [`Self::try_zeroed`].
    pub fn for_overwrite(n: usize) -> Option<Self> {
        match take_recycled::<T>(n) {
            Some(vec) => Some(PrefaultedVec { helper: None, vec }),
            None => Self::try_zeroed(n),
        }
    }
}

impl<T> PrefaultedVec<T> {
    /// The buffer, to be filled.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.vec
    }

    /// The buffer, after waiting for the helper thread.
    pub fn into_vec(mut self) -> Vec<T> {
        drop(self.helper.take());
        std::mem::take(&mut self.vec)
    }

    /// The buffer and its helper (if one runs), for an owner that keeps filling the buffer after this call (an
    /// assembler receiving samples over time). Drop the guard before the buffer is freed (declare it first).
    pub fn into_parts(mut self) -> (Vec<T>, Option<Prefault>) {
        (std::mem::take(&mut self.vec), self.helper.take())
    }
}

#[cfg(target_os = "linux")]
fn start_helper(addr: usize, bytes: usize) -> Option<Prefault> {
    if bytes < Prefault::MIN_BYTES || std::env::var_os("MIA_NO_PREFAULT").is_some() {
        return None;
    }
    const STEP: usize = 2 << 20;
    const PAGE: usize = 4096;
    let start = addr / PAGE * PAGE;
    let end = addr + bytes;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let handle = std::thread::Builder::new()
        .name("mia-prefault".into())
        .spawn(move || {
            let mut at = start;
            while at < end && !flag.load(Ordering::Relaxed) {
                let len = STEP.min(end - at);
                // SAFETY: MADV_POPULATE_WRITE only maps pages writable, as a first write would; it neither reads
                // nor changes the contents of pages that are mapped already, so the owner's concurrent writes
                // are unaffected, and on a range that is not (or no longer) writable memory it just fails.
                let rc = unsafe { libc::madvise(at as *mut libc::c_void, len, libc::MADV_POPULATE_WRITE) };
                if rc != 0 {
                    break;
                }
                at += len;
            }
        })
        .ok()?;
    Some(Prefault { stop, handle: Some(handle) })
}

#[cfg(not(target_os = "linux"))]
fn start_helper(_addr: usize, _bytes: usize) -> Option<Prefault> {
    None
}

/// Asks Linux for transparent huge pages on a large, still untouched buffer (as numpy does for arrays of 4 MiB and
/// more): its first writes then fault in 2 MiB pages instead of 4 KiB ones, which halves the cost of filling a
/// fresh volume. Only advice: contents and behaviour do not change, and it is a no-op elsewhere.
fn advise_huge_pages<T>(v: &[T]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = std::mem::size_of_val(v);
        if bytes < 2 * HUGE {
            return;
        }
        let start = v.as_ptr() as usize;
        let first = start.next_multiple_of(HUGE);
        let end = (start + bytes) / HUGE * HUGE;
        if end > first {
            // SAFETY: the range lies inside the live allocation of `v`; MADV_HUGEPAGE changes neither the
            // mapping's contents nor its validity, only how later page faults are served.
            unsafe {
                libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_buffer_filled_while_prefaulted() {
        let n = 6 << 20; // 24 MiB of f32: a helper thread runs
        let mut buf = PrefaultedVec::<f32>::try_zeroed(n).unwrap();
        assert!(buf.as_mut_slice().iter().step_by(4096).all(|&x| x == 0.0));
        for (i, v) in buf.as_mut_slice().iter_mut().enumerate() {
            *v = i as f32;
        }
        let v = buf.into_vec();
        assert_eq!(v.len(), n);
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as f32));
    }

    #[test]
    fn recycled_buffers_are_reused_by_type_and_length() {
        let _pool = TEST_POOL_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Distinct lengths from the other tests (the pool is process-wide and tests run in parallel).
        let n = (LARGE_BUFFER_BYTES / 4) + 12_345;
        let mut v = PrefaultedVec::<f32>::for_overwrite(n).unwrap().into_vec();
        v.fill(3.5);
        let address = v.as_ptr() as usize;
        recycle(v);
        // Another type or length does not take it.
        assert!(take_recycled::<u32>(n).is_none());
        assert!(take_recycled::<f32>(n + 1).is_none());
        let again = PrefaultedVec::<f32>::for_overwrite(n).unwrap().into_vec();
        assert_eq!((again.as_ptr() as usize, again.len()), (address, n));
        assert!(again.iter().all(|&x| x == 3.5), "the old contents: the caller overwrites them");
        // Small buffers are not kept; the pool is bounded.
        recycle(vec![1u8; 1000]);
        assert!(take_recycled::<u8>(1000).is_none());
        for k in 0..MAX_RECYCLED + 2 {
            recycle(vec![k as u16; (LARGE_BUFFER_BYTES / 2) + 777]);
        }
        assert!(RECYCLED.lock().unwrap().len() <= MAX_RECYCLED);
        clear_recycled();
        assert!(take_recycled::<u16>((LARGE_BUFFER_BYTES / 2) + 777).is_none());
    }

    #[test]
    fn dropped_unfilled_and_small_buffers() {
        drop(PrefaultedVec::<u8>::try_zeroed(32 << 20).unwrap());
        let small = PrefaultedVec::<u8>::try_zeroed(10).unwrap();
        assert!(small.helper.is_none());
        let mut big = vec![0u8; 16 << 20];
        let guard = Prefault::start(&mut big);
        assert_eq!(guard.is_some(), cfg!(target_os = "linux"));
        big[12 << 20] = 7;
        drop(guard);
        assert_eq!(big.iter().map(|&b| u64::from(b)).sum::<u64>(), 7);
        assert_eq!(small.into_vec(), vec![0u8; 10]);
        assert!(PrefaultedVec::<u64>::try_zeroed(usize::MAX / 4).is_none());
    }
}
