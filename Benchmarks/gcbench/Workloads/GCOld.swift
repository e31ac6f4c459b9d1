import GCHeap
import HeapTrace

/// Detlefs' GCOld (Clinger's 1.0 revision): a large live old generation of
/// height-14 trees; each step allocates 1 MB of short-lived 800-byte
/// objects, does some mutator work, allocates 1/ratio as much long-lived
/// data (new trees replacing old ones, and smaller trees grafted in), and
/// swaps subtrees between old trees: old-to-old and old-to-young stores.
struct GCOldWorkload: Workload {
    var liveMegabytes = 50
    var work = 1
    var ratio = 20
    var mutations = 10
    var steps = 10_000

    let treeHeight = 14
    let bytesPerNode = 40
    let wordsDead = 100
    let meg = 1_000_000

    var name: String { "gcold" }
    var parameters: String { "\(liveMegabytes) \(work) \(ratio) \(mutations) \(steps)" }
    var configuration: HeapConfiguration { .benchmark() }

    func nodes(height h: Int) -> Int { h == 0 ? 0 : (1 << h) - 1 }
    func bytes(height h: Int) -> Int { bytesPerNode * nodes(height: h) }
    func height(bytes: Int) -> Int {
        var h = 1, n = 1
        let limit = bytes / bytesPerNode
        while n + n - 1 <= limit { n += n; h += 1 }
        return h - 1
    }

    /// A balanced tree of height h; each node's data holds its height.
    func makeTree<B: Barrier>(_ heap: Heap<B>, _ h: Int) throws -> Value {
        if h == 0 { return .null }
        heap.push(try makeTree(heap, h - 1))
        heap.push(try makeTree(heap, h - 1))
        let node = try heap.allocate(pointers: 2, bytes: 8)
        heap.store(node, 1, heap.pop())
        heap.store(node, 0, heap.pop())
        heap.withData(node) { $0.storeBytes(of: Int64(h), as: Int64.self) }
        return Value(node)
    }

    func val<B: Barrier>(_ heap: Heap<B>, _ v: Value) -> Int {
        heap.withData(v.ref!) { Int($0.load(as: Int64.self)) }
    }

    func run<B: Barrier>(_ heap: Heap<B>) throws -> String {
        var rng = SplitMix64(seed: 42)
        let treeSize = bytes(height: treeHeight)
        let count = liveMegabytes * meg / treeSize
        let trees = heap.makeRoot(try heap.allocate(pointers: count, bytes: 0))
        for i in 0..<count {
            let t = try makeTree(heap, treeHeight)
            heap.store(try heap.object(trees)!, i, t)
        }
        var slot = 0
        var mutated = 0
        var mutatorSum = 0

        func replace(_ full: Value, _ partial: Value, _ dir: Bool) {
            var full = full, dir = dir
            let pv = val(heap, partial)
            while true {
                let l = heap.load(full.ref!, 0), r = heap.load(full.ref!, 1)
                let canLeft = !l.isNull && val(heap, l) > pv
                let canRight = !r.isNull && val(heap, r) > pv
                if canLeft && canRight { full = dir ? l : r; dir.toggle(); continue }
                if !canLeft && !canRight { heap.store(full.ref!, dir ? 0 : 1, partial) }
                else if !canLeft { heap.store(full.ref!, 0, partial) }
                else { heap.store(full.ref!, 1, partial) }
                return
            }
        }

        for _ in 0..<steps {
            let mutationsBefore = mutated
            // Young garbage: 1 MB in 800-byte objects.
            var allocated = 0
            while allocated < meg {
                _ = try heap.allocate(pointers: 0, bytes: wordsDead * 8)
                allocated += wordsDead * 8
            }
            // Mutator work.
            var sum = 0
            for _ in 0..<(work * meg / 10) { sum &+= 1 }
            mutatorSum &+= sum
            // Long-lived allocation.
            let n = meg / ratio
            for _ in 0..<(n / treeSize) {
                let t = try makeTree(heap, treeHeight)
                heap.store(try heap.object(trees)!, slot, t)
                slot = (slot + 1) % count
            }
            var partial = n % treeSize
            while partial > 999 {
                let h = height(bytes: partial)
                let t = try makeTree(heap, h)
                heap.push(t)
                let full = heap.load(try heap.object(trees)!, slot)
                replace(full, heap.pop(), val(heap, t) % 2 == 0)
                mutated += 1
                slot = (slot + 1) % count
                partial -= bytes(height: h)
            }
            // Pointer mutations: swap subtrees of two old trees.
            for _ in 0..<max(0, (mutationsBefore + mutations - mutated) / 2) {
                let array = try heap.object(trees)!
                var a = heap.load(array, Int(rng.next() % UInt64(count)))
                var b = heap.load(array, Int(rng.next() % UInt64(count)))
                let depth = Int(rng.next() % UInt64(treeHeight))
                var path = rng.next()
                for _ in 0..<depth {
                    let side = Int(path & 1)
                    a = heap.load(a.ref!, side)
                    b = heap.load(b.ref!, side)
                    path >>= 1
                }
                let side = Int(path & 1)
                let tmp = heap.load(a.ref!, side)
                heap.store(a.ref!, side, heap.load(b.ref!, side))
                heap.store(b.ref!, side, tmp)
                mutated += 2
            }
        }

        // Every tree must still be balanced with the right height.
        let array = try heap.object(trees)!
        for i in 0..<count {
            var lo = Int.max, hi = 0
            var stack: [(Value, Int)] = [(heap.load(array, i), 0)]
            while let (v, d) = stack.popLast() {
                guard let node = v.ref else { lo = min(lo, d); hi = max(hi, d); continue }
                stack.append((heap.load(node, 0), d + 1))
                stack.append((heap.load(node, 1), d + 1))
            }
            guard lo == treeHeight, hi == treeHeight else { throw WorkloadFailure("tree \(i): heights \(lo)...\(hi), expected \(treeHeight)") }
        }
        return "\(count) trees of height \(treeHeight) intact; \(mutated) pointer mutations; checksum \(mutatorSum & 0xffff)"
    }
}
