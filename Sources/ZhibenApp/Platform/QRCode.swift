import Foundation

/// A QR code (ISO/IEC 18004) of a short text, as SVG: byte mode, error correction level M, versions 1
/// to 10 (up to 213 bytes), the mask chosen by the standard's penalty rules. Enough for the link a
/// confined space's sign carries.
struct QRCode {
    let size: Int
    /// `modules[y][x]`: true is dark.
    let modules: [[Bool]]
    let version: Int
    let mask: Int

    /// Error-correction codewords per block and the number of blocks at level M, by version.
    static let eccPerBlock = [10, 16, 26, 18, 24, 16, 18, 22, 22, 26]
    static let blocks = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5]
    static let totalCodewords = [26, 44, 70, 100, 134, 172, 196, 242, 292, 346]
    static let alignment: [[Int]] = [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]]

    static func dataCodewords(_ v: Int) -> Int { totalCodewords[v - 1] - eccPerBlock[v - 1] * blocks[v - 1] }

    /// Nil when the text is too long for version 10.
    init?(_ text: String, mask forced: Int? = nil) {
        let bytes = Array(text.utf8)
        guard let v = (1...10).first(where: { 4 + ($0 < 10 ? 8 : 16) + bytes.count * 8 <= Self.dataCodewords($0) * 8 }) else { return nil }
        version = v
        size = 17 + 4 * v
        let codewords = Self.codewords(Self.data(bytes, version: v), version: v)
        var m = Matrix(size: size)
        m.functionPatterns(version: v)
        m.place(codewords)
        var best: (penalty: Int, mask: Int, modules: [[Bool]])?
        for k in forced.map({ [$0] }) ?? Array(0..<8) {
            var t = m
            t.apply(mask: k)
            t.format(mask: k)
            let p = t.penalty()
            if best == nil || p < best!.penalty { best = (p, k, t.dark) }
        }
        mask = best!.mask
        modules = best!.modules
    }

    /// The data codewords: mode, count, bytes, terminator, padding.
    static func data(_ bytes: [UInt8], version v: Int) -> [UInt8] {
        var bits: [Bool] = []
        func put(_ value: Int, _ n: Int) { for i in stride(from: n - 1, through: 0, by: -1) { bits.append((value >> i) & 1 == 1) } }
        put(0b0100, 4)
        put(bytes.count, v < 10 ? 8 : 16)
        for b in bytes { put(Int(b), 8) }
        let capacity = dataCodewords(v) * 8
        put(0, min(4, capacity - bits.count))
        while bits.count % 8 != 0 { bits.append(false) }
        var out: [UInt8] = stride(from: 0, to: bits.count, by: 8).map { i in bits[i..<i + 8].reduce(0) { $0 << 1 | ($1 ? 1 : 0) } }
        var pad: UInt8 = 0xEC
        while out.count < dataCodewords(v) {
            out.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return out
    }

    /// The data split in blocks, each with its Reed–Solomon codewords, interleaved.
    static func codewords(_ data: [UInt8], version v: Int) -> [UInt8] {
        let n = blocks[v - 1], ecc = eccPerBlock[v - 1]
        let short = dataCodewords(v) / n
        let longCount = dataCodewords(v) % n
        var parts: [[UInt8]] = []
        var at = 0
        for b in 0..<n {
            let len = short + (b >= n - longCount ? 1 : 0)
            parts.append(Array(data[at..<at + len]))
            at += len
        }
        let divisor = GF.divisor(ecc)
        let eccs = parts.map { GF.remainder($0, divisor) }
        var out: [UInt8] = []
        for i in 0...short {
            for p in parts where i < p.count { out.append(p[i]) }
        }
        for i in 0..<ecc { for e in eccs { out.append(e[i]) } }
        return out
    }

    enum GF {
        static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
            var z = 0
            for i in stride(from: 7, through: 0, by: -1) {
                z = (z << 1) ^ ((z >> 7) * 0x11D)
                z ^= Int((y >> UInt8(i)) & 1) * Int(x)
            }
            return UInt8(z & 0xFF)
        }

        static func divisor(_ degree: Int) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: degree)
            result[degree - 1] = 1
            var root: UInt8 = 1
            for _ in 0..<degree {
                for j in 0..<degree {
                    result[j] = multiply(result[j], root)
                    if j + 1 < degree { result[j] ^= result[j + 1] }
                }
                root = multiply(root, 0x02)
            }
            return result
        }

        static func remainder(_ data: [UInt8], _ divisor: [UInt8]) -> [UInt8] {
            var result = [UInt8](repeating: 0, count: divisor.count)
            for b in data {
                let factor = b ^ result.removeFirst()
                result.append(0)
                for i in 0..<result.count { result[i] ^= multiply(divisor[i], factor) }
            }
            return result
        }
    }

    struct Matrix {
        let size: Int
        var dark: [[Bool]]
        var function: [[Bool]]

        init(size: Int) {
            self.size = size
            dark = Array(repeating: Array(repeating: false, count: size), count: size)
            function = dark
        }

        mutating func set(_ x: Int, _ y: Int, _ on: Bool) {
            dark[y][x] = on
            function[y][x] = true
        }

        mutating func functionPatterns(version v: Int) {
            for i in 0..<size {
                set(6, i, i % 2 == 0)
                set(i, 6, i % 2 == 0)
            }
            for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
                for dy in -4...4 {
                    for dx in -4...4 {
                        let x = cx + dx, y = cy + dy
                        guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                        let d = max(abs(dx), abs(dy))
                        set(x, y, d != 2 && d != 4)
                    }
                }
            }
            let pos = QRCode.alignment[v - 1]
            for (i, cx) in pos.enumerated() {
                for (j, cy) in pos.enumerated() {
                    if (i == 0 && j == 0) || (i == 0 && j == pos.count - 1) || (i == pos.count - 1 && j == 0) { continue }
                    for dy in -2...2 { for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) } }
                }
            }
            format(mask: 0)
            if v >= 7 {
                var rem = v
                for _ in 0..<12 { rem = (rem << 1) ^ ((rem >> 11) * 0x1F25) }
                let bits = v << 12 | rem
                for i in 0..<18 {
                    let on = (bits >> i) & 1 == 1
                    let a = size - 11 + i % 3, b = i / 3
                    set(a, b, on)
                    set(b, a, on)
                }
            }
        }

        /// The format information (level M, the mask) in both copies, and the dark module.
        mutating func format(mask: Int) {
            let data = 0b00 << 3 | mask
            var rem = data
            for _ in 0..<10 { rem = (rem << 1) ^ ((rem >> 9) * 0x537) }
            let bits = (data << 10 | rem) ^ 0x5412
            func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
            for i in 0...5 { set(8, i, bit(i)) }
            set(8, 7, bit(6))
            set(8, 8, bit(7))
            set(7, 8, bit(8))
            for i in 9..<15 { set(14 - i, 8, bit(i)) }
            for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
            for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
            set(8, size - 8, true)
        }

        mutating func place(_ codewords: [UInt8]) {
            var i = 0
            var right = size - 1
            while right >= 1 {
                if right == 6 { right = 5 }
                for vert in 0..<size {
                    for j in 0..<2 {
                        let x = right - j
                        let upward = (right + 1) & 2 == 0
                        let y = upward ? size - 1 - vert : vert
                        if !function[y][x], i < codewords.count * 8 {
                            dark[y][x] = (codewords[i >> 3] >> UInt8(7 - (i & 7))) & 1 == 1
                            i += 1
                        }
                    }
                }
                right -= 2
            }
        }

        mutating func apply(mask: Int) {
            for y in 0..<size {
                for x in 0..<size where !function[y][x] {
                    let flip = switch mask {
                    case 0: (x + y) % 2 == 0
                    case 1: y % 2 == 0
                    case 2: x % 3 == 0
                    case 3: (x + y) % 3 == 0
                    case 4: (x / 3 + y / 2) % 2 == 0
                    case 5: x * y % 2 + x * y % 3 == 0
                    case 6: (x * y % 2 + x * y % 3) % 2 == 0
                    default: ((x + y) % 2 + x * y % 3) % 2 == 0
                    }
                    if flip { dark[y][x].toggle() }
                }
            }
        }

        /// The standard's four penalty rules: runs, 2×2 blocks, finder-like patterns, balance.
        func penalty() -> Int {
            var p = 0
            func lines(_ get: (Int, Int) -> Bool) {
                for a in 0..<size {
                    var run = 1
                    for b in 1..<size {
                        if get(a, b) == get(a, b - 1) { run += 1 } else {
                            if run >= 5 { p += run - 2 }
                            run = 1
                        }
                    }
                    if run >= 5 { p += run - 2 }
                    let line = (0..<size).map { get(a, $0) }
                    let pattern: [Bool] = [true, false, true, true, true, false, true]
                    for b in 0...(size - 7) where Array(line[b..<b + 7]) == pattern {
                        let before = b >= 4 && line[b - 4..<b].allSatisfy { !$0 }
                        let after = b + 11 <= size && line[b + 7..<b + 11].allSatisfy { !$0 }
                        if before || after { p += 40 }
                    }
                }
            }
            lines { dark[$0][$1] }
            lines { dark[$1][$0] }
            for y in 0..<size - 1 {
                for x in 0..<size - 1 {
                    let c = dark[y][x]
                    if c == dark[y][x + 1], c == dark[y + 1][x], c == dark[y + 1][x + 1] { p += 3 }
                }
            }
            let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
            let total = size * size
            let k = (abs(darkCount * 20 - total * 10) + total - 1) / total - 1
            p += max(0, k) * 10
            return p
        }
    }

    /// The code as SVG, with a quiet zone of four modules.
    func svg(moduleSize: Int = 8) -> String {
        let full = size + 8
        var path = ""
        for y in 0..<size {
            for x in 0..<size where modules[y][x] { path += "M\(x + 4),\(y + 4)h1v1h-1z" }
        }
        return """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(full) \(full)" width="\(full * moduleSize)" height="\(full * moduleSize)" shape-rendering="crispEdges">\
        <rect width="\(full)" height="\(full)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
        """
    }
}
