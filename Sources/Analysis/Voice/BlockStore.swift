import Foundation

/// Append-only record of the 100 ms `VoiceBlock`s of one recording, in bounded memory.
///
/// The whole-lesson decisions (noise floor, Viterbi path, speaker clustering) need every block, but
/// never many at once: they walk the record in order, or look a few seconds around one place. So full
/// pages of `pageBlocks` blocks are written to an anonymous temporary file (created with `mkstemp` and
/// unlinked at once, so nothing is left behind even after a crash) and read back through a two-page
/// cache. Memory: the page being filled plus two cached pages (≈ 0.9 MB with the default page),
/// whatever the recording's length; the file grows by 72 bytes per block (2.6 MB per hour).
///
/// If no temporary file can be created or written (read-only or full disk), pages stay in memory:
/// the analysis still completes, only its memory grows with the recording again.
final class BlockStore {
    /// Blocks per page: 4 096 blocks = 6.8 minutes of audio, 295 KB. Large enough that a sequential
    /// walk makes few reads; small enough that three pages are under a megabyte.
    static let defaultPageBlocks = 4096

    let pageBlocks: Int
    private(set) var count = 0

    /// The page being filled (index `count / pageBlocks`).
    private var tail: [VoiceBlock] = []
    /// Full pages that could not be written to the file (fallback), by page index.
    private var memoryPages: [Int: [VoiceBlock]] = [:]
    /// Full pages written to the file, by page index → byte offset.
    private var filePages: [Int: off_t] = [:]
    private var fd: Int32 = -1
    private var fileBytes: off_t = 0
    private var fileFailed = false

    // Two-page read cache (least recently used is replaced).
    private var cachePage = [-1, -1]
    private var cacheBlocks: [[VoiceBlock]] = [[], []]
    private var cacheNext = 0

    /// - Parameter pageBlocks: blocks per page (tests use small pages to exercise the file).
    init(pageBlocks: Int = BlockStore.defaultPageBlocks) {
        precondition(pageBlocks > 0)
        self.pageBlocks = pageBlocks
        tail.reserveCapacity(pageBlocks)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Pages that could not be read back from the temporary file (disk error): they read as quiet blocks.
    private(set) var unreadablePages: Set<Int> = []

    /// Whether any page went to the temporary file (for tests and diagnostics).
    var spilled: Bool { !filePages.isEmpty }

    func append(_ block: VoiceBlock) {
        tail.append(block)
        count += 1
        if tail.count == pageBlocks {
            spill(page: count / pageBlocks - 1, tail)
            tail.removeAll(keepingCapacity: true)
        }
    }

    /// The block at `index` (0 ..< count).
    subscript(index: Int) -> VoiceBlock {
        precondition(index >= 0 && index < count, "block \(index) out of 0..<\(count)")
        let page = index / pageBlocks
        let offset = index - page * pageBlocks
        if page == count / pageBlocks { return tail[offset] }
        if cachePage[0] == page { return cacheBlocks[0][offset] }
        if cachePage[1] == page { return cacheBlocks[1][offset] }
        let slot = load(page)
        return cacheBlocks[slot][offset]
    }

    /// Every block in order (tuning tools only: this is the whole record in memory).
    func all() -> [VoiceBlock] {
        (0..<count).map { self[$0] }
    }

    private func spill(page: Int, _ blocks: [VoiceBlock]) {
        if !fileFailed && fd < 0 { openFile() }
        guard fd >= 0 else { memoryPages[page] = blocks; return }
        let bytes = blocks.count * MemoryLayout<VoiceBlock>.stride
        let written = blocks.withUnsafeBytes { TempFile.write(fd, $0.baseAddress!, bytes, at: fileBytes) }
        if written == bytes {
            filePages[page] = fileBytes
            fileBytes += off_t(bytes)
        } else {
            // Disk full or failing: keep this page, and the rest, in memory.
            fileFailed = true
            memoryPages[page] = blocks
        }
    }

    private func openFile() {
        guard let f = TempFile.anonymous(prefix: "lessonlens-voice") else { fileFailed = true; return }
        fd = f
    }

    /// Loads a full page into the cache; returns the cache slot.
    private func load(_ page: Int) -> Int {
        let slot = cacheNext
        cacheNext = 1 - cacheNext
        if let blocks = memoryPages[page] {
            cacheBlocks[slot] = blocks
        } else {
            let offset = filePages[page]!
            var blocks = [VoiceBlock](repeating: VoiceBlock(), count: pageBlocks)
            let bytes = pageBlocks * MemoryLayout<VoiceBlock>.stride
            let got = blocks.withUnsafeMutableBytes { TempFile.read(fd, $0.baseAddress!, bytes, at: offset) }
            // The file was written by this process a moment ago; a short read means the disk failed
            // under us. The page then reads as quiet blocks and `unreadablePages` tells the report.
            if got != bytes {
                blocks = [VoiceBlock](repeating: VoiceBlock(), count: pageBlocks)
                unreadablePages.insert(page)
            }
            cacheBlocks[slot] = blocks
        }
        cachePage[slot] = page
        return slot
    }
}
