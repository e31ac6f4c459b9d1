/// A fixed-size log-linear histogram of latencies in nanoseconds (pauses,
/// times to safepoint), as Whippet's gc-histogram.h: each power of two is
/// split into `1 << mantissaBits` equal buckets.
///
/// Invariant: its storage never grows (a heap that runs for a day records
/// millions of pauses in the same few kilobytes); a recorded value `v` lands
/// in a bucket whose width is at most `v >> mantissaBits` (values below
/// `2 << mantissaBits` exactly), so a quantile is never below the true one
/// and over it by at most 1/16 of it; `maximum` and `count` are exact.
/// Values of `overflowNanoseconds` or more (18 minutes) share the last
/// bucket, where only the exact maximum bounds them.
public struct LatencyHistogram: Sendable {
    // Computed, not stored: a static stored property is initialised lazily,
    // through a runtime call, and `record` runs inside every pause.
    static var mantissaBits: Int { 4 }
    /// Powers of two up to 2^40 ns: 36 groups of 16 buckets above the 32 exact ones.
    static var bucketCount: Int { 592 }
    /// Values from here on share the last bucket.
    public static var overflowNanoseconds: UInt64 { 1 << 40 }

    /// Values recorded.
    public private(set) var count: UInt64 = 0
    /// The largest value recorded (0 when empty).
    public private(set) var maximum: UInt64 = 0
    private var buckets = InlineArray<592, UInt64>(repeating: 0)

    public init() {}

    /// Records one value. No allocation and no runtime call: it runs inside
    /// collection pauses.
    @inline(__always)
    public mutating func record(_ value: UInt64) {
        count &+= 1
        if value > maximum { maximum = value }
        buckets[Self.bucket(value)] &+= 1
    }

    /// Bucket `v` for values below `2 << m` (m = mantissaBits); above, the
    /// value's top m + 1 bits after `shift` (its exponent minus m) groups of
    /// 2^m.
    @inline(__always)
    static func bucket(_ value: UInt64) -> Int {
        guard value < overflowNanoseconds else { return bucketCount - 1 }
        let exponent = 63 - value.leadingZeroBitCount
        guard exponent > mantissaBits else { return Int(value) }
        let shift = exponent - mantissaBits
        return shift << mantissaBits + Int(value >> UInt64(shift))
    }

    /// The largest value bucket `index` holds.
    static func upperBound(_ index: Int) -> UInt64 {
        guard index >= 2 << mantissaBits else { return UInt64(index) }
        let shift = index >> mantissaBits - 1
        let top = UInt64(index - shift << mantissaBits)
        return (top + 1) << UInt64(shift) - 1
    }

    /// The nearest-rank quantile `p` (0 < p <= 1): the value at rank
    /// ceil(p * count) of the sorted values, as its bucket's upper bound
    /// (never more than the maximum); `quantile(1)` is the exact maximum,
    /// and an empty histogram's quantiles are 0.
    public func quantile(_ p: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        guard p < 1 else { return maximum }
        let rank = max(1, UInt64((Double(count) * p).rounded(.up)))
        var seen: UInt64 = 0
        for i in 0..<Self.bucketCount {
            seen += buckets[i]
            // The last bucket has no upper bound but the maximum.
            if seen >= rank { return i == Self.bucketCount - 1 ? maximum : min(Self.upperBound(i), maximum) }
        }
        return maximum
    }

    public var median: UInt64 { quantile(0.5) }
    public var p95: UInt64 { quantile(0.95) }
    public var p99: UInt64 { quantile(0.99) }
}

extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey { case count, maximum, buckets }

    /// Non-empty buckets only, as [index, count] pairs.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(maximum, forKey: .maximum)
        var pairs: [[UInt64]] = []
        for i in 0..<Self.bucketCount where buckets[i] != 0 { pairs.append([UInt64(i), buckets[i]]) }
        try c.encode(pairs, forKey: .buckets)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(UInt64.self, forKey: .count)
        maximum = try c.decode(UInt64.self, forKey: .maximum)
        for pair in try c.decode([[UInt64]].self, forKey: .buckets) {
            guard pair.count == 2, pair[0] < UInt64(Self.bucketCount) else {
                throw DecodingError.dataCorruptedError(forKey: .buckets, in: c, debugDescription: "a bucket is [index < \(Self.bucketCount), count]")
            }
            buckets[Int(pair[0])] = pair[1]
        }
    }
}
