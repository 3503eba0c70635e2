//! The desktop process's heap: fewer malloc arenas and free pages handed back after start-up.
//! The app sits idle for hours with a dozen threads (async workers, WebKit's, GTK's); glibc gives
//! each thread that allocates its own arena, and every arena keeps the pages it once used.

/// Caps glibc's malloc arenas at two, before any thread starts. Berth's threads mostly wait; the
/// little allocation they do does not need an arena each (glibc's default is eight per core).
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of the allocator; it is called before other threads run.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Hands the heap's free pages back to the system, after start-up work that allocates a lot and
/// then frees it (the catalog refresh parses every source, restore starts containers).
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim is thread-safe and only returns unused memory.
    unsafe {
        libc::malloc_trim(0);
    }
}
