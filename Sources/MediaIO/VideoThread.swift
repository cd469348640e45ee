import CFFmpeg
import Foundation

/// Runs the video side of a read on a second thread (issue 10: both cores for one file): the demuxing
/// thread hands it video packets through a bounded queue and goes on with the audio, which is decoded
/// and analysed on its own thread meanwhile.
///
/// The queue holds at most `capacity` packets (references to the demuxer's buffers, not copies of the
/// data): when the video side falls behind, the demuxer waits. Everything the video side touches (its
/// decoders, the frame callback and what it captures) is used on the video thread only, between
/// `init` and `finish()`; `finish()` joins the thread, so afterwards the caller may read it all again.
final class VideoThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [UnsafeMutablePointer<AVPacket>] = []
    private var head = 0
    private var ended = false
    private var done = false
    private var failure: (any Error)?
    private let capacity: Int
    /// Released by the thread before it reports done: the closures may capture what the caller only
    /// lends for the read (`withoutActuallyEscaping`), so nothing may keep them past `finish()`.
    private var work: Work?

    /// Starts the thread. `consume` takes each packet in order; `end` runs once after the last one.
    /// Both run on the new thread; an error from either stops the video side and is rethrown by `push`
    /// or `finish`.
    init(capacity: Int = 512, consume: @escaping (UnsafeMutablePointer<AVPacket>) throws -> Void, end: @escaping () throws -> Void) {
        self.capacity = capacity
        work = Work(consume: consume, end: end)
        let thread = Thread { [self] in run() }
        thread.name = "lessonlens-video"
        thread.start()
    }

    deinit {
        for p in queue[head...] {
            var owned: UnsafeMutablePointer<AVPacket>? = p
            av_packet_free(&owned)
        }
    }

    /// The closures, carried to the thread that alone calls them.
    private struct Work: @unchecked Sendable {
        let consume: (UnsafeMutablePointer<AVPacket>) throws -> Void
        let end: () throws -> Void
    }

    /// Queues a reference to `packet` (waits while the queue is full). Throws the video side's error.
    func push(_ packet: UnsafeMutablePointer<AVPacket>) throws {
        guard let copy = av_packet_clone(packet) else {
            throw MediaError(.internalFailure, path: "", reason: "out of memory", function: "av_packet_clone")
        }
        condition.lock()
        defer { condition.unlock() }
        while queue.count - head >= capacity && failure == nil { condition.wait() }
        if let failure {
            var owned: UnsafeMutablePointer<AVPacket>? = copy
            av_packet_free(&owned)
            throw failure
        }
        queue.append(copy)
        condition.broadcast()
    }

    /// Ends the stream, waits for the video side to finish, and rethrows its error.
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        ended = true
        condition.broadcast()
        while !done { condition.wait() }
        if let failure { throw failure }
    }

    /// Stops the video side without waiting for the rest of its queue (the read failed), and joins it.
    func abandon() {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil { failure = CancellationError() }
        ended = true
        condition.broadcast()
        while !done { condition.wait() }
    }

    private func run() {
        runLoop()  // its reference to the work ends with its frame
        condition.lock()
        self.work = nil
        done = true
        condition.broadcast()
        condition.unlock()
    }

    @inline(never)
    private func runLoop() {
        condition.lock()
        let work = self.work!
        condition.unlock()
        while let packet = next() {
            defer {
                var owned: UnsafeMutablePointer<AVPacket>? = packet
                av_packet_free(&owned)
            }
            do { try work.consume(packet) } catch { fail(error); break }
        }
        condition.lock()
        let failed = failure != nil
        condition.unlock()
        if !failed {
            do { try work.end() } catch { fail(error) }
        }
    }

    /// The next packet, or nil at the end of the stream or after a failure.
    private func next() -> UnsafeMutablePointer<AVPacket>? {
        condition.lock()
        defer { condition.unlock() }
        while head == queue.count && !ended && failure == nil { condition.wait() }
        guard failure == nil, head < queue.count else { return nil }
        let p = queue[head]
        head += 1
        if head >= 1024 {
            queue.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return p
    }

    private func fail(_ error: any Error) {
        condition.lock()
        if failure == nil { failure = error }
        condition.broadcast()
        condition.unlock()
    }
}
