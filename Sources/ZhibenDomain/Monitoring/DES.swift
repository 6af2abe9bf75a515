import Foundation

/// The Data Encryption Standard (FIPS 46-3) with CBC and PKCS#5 padding: what the provincial gateway
/// interface encrypts with. DES is long broken as a cipher; it is here only because deployed gateways
/// speak it, and only for their readings.
public struct DES: Sendable {
    /// The sixteen 48-bit round keys, in encryption order.
    let subkeys: [UInt64]

    public enum Failure: Error, Equatable {
        case keyLength, blockLength, padding
    }

    /// `key`: 8 bytes (the parity bits are ignored, as usual).
    public init(key: [UInt8]) throws {
        guard key.count == 8 else { throw Failure.keyLength }
        let k = Self.load(key[...])
        let cd = Self.permute(k, Self.pc1, width: 64)
        var c = UInt32(truncatingIfNeeded: cd >> 28) & 0x0FFF_FFFF
        var d = UInt32(truncatingIfNeeded: cd) & 0x0FFF_FFFF
        var keys: [UInt64] = []
        for shift in Self.shifts {
            c = ((c << shift) | (c >> (28 - shift))) & 0x0FFF_FFFF
            d = ((d << shift) | (d >> (28 - shift))) & 0x0FFF_FFFF
            keys.append(Self.permute(UInt64(c) << 28 | UInt64(d), Self.pc2, width: 56))
        }
        subkeys = keys
    }

    // MARK: CBC with PKCS#5

    public func encryptCBC(_ plain: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        guard iv.count == 8 else { throw Failure.blockLength }
        let pad = 8 - plain.count % 8
        let padded = plain + [UInt8](repeating: UInt8(pad), count: pad)
        var chain = Self.load(iv[...])
        var out: [UInt8] = []
        out.reserveCapacity(padded.count)
        for i in stride(from: 0, to: padded.count, by: 8) {
            chain = block(Self.load(padded[i..<i + 8]) ^ chain, decrypt: false)
            Self.store(chain, into: &out)
        }
        return out
    }

    public func decryptCBC(_ cipher: [UInt8], iv: [UInt8]) throws -> [UInt8] {
        guard iv.count == 8, !cipher.isEmpty, cipher.count % 8 == 0 else { throw Failure.blockLength }
        var chain = Self.load(iv[...])
        var out: [UInt8] = []
        out.reserveCapacity(cipher.count)
        for i in stride(from: 0, to: cipher.count, by: 8) {
            let c = Self.load(cipher[i..<i + 8])
            Self.store(block(c, decrypt: true) ^ chain, into: &out)
            chain = c
        }
        guard let pad = out.last, (1...8).contains(pad), out.suffix(Int(pad)).allSatisfy({ $0 == pad }) else { throw Failure.padding }
        return Array(out.dropLast(Int(pad)))
    }

    // MARK: the block cipher

    /// One 64-bit block through the sixteen rounds.
    func block(_ input: UInt64, decrypt: Bool) -> UInt64 {
        let x = Self.permute(input, Self.ip, width: 64)
        var l = UInt32(truncatingIfNeeded: x >> 32)
        var r = UInt32(truncatingIfNeeded: x)
        for round in 0..<16 {
            let k = subkeys[decrypt ? 15 - round : round]
            (l, r) = (r, l ^ Self.f(r, k))
        }
        return Self.permute(UInt64(r) << 32 | UInt64(l), Self.fp, width: 64)
    }

    static func f(_ r: UInt32, _ k: UInt64) -> UInt32 {
        let e = permute(UInt64(r), expansion, width: 32) ^ k
        var out: UInt32 = 0
        for box in 0..<8 {
            let six = Int((e >> UInt64(42 - 6 * box)) & 0x3F)
            let row = (six >> 4 & 2) | (six & 1)
            let column = (six >> 1) & 0xF
            out = out << 4 | UInt32(sboxes[box][row * 16 + column])
        }
        return UInt32(truncatingIfNeeded: permute(UInt64(out), p, width: 32))
    }

    /// Picks bits of `value` (numbered from 1 at the most significant of `width`) in `table`'s order.
    static func permute(_ value: UInt64, _ table: [UInt8], width: Int) -> UInt64 {
        var out: UInt64 = 0
        for position in table {
            out = out << 1 | (value >> UInt64(width - Int(position)) & 1)
        }
        return out
    }

    static func load(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    static func store(_ value: UInt64, into out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    // MARK: FIPS 46-3 tables

    static let ip: [UInt8] = [58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
                              57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7]
    static let fp: [UInt8] = [40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29,
                              36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25]
    static let expansion: [UInt8] = [32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17,
                                     16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1]
    static let p: [UInt8] = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25]
    static let pc1: [UInt8] = [57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
                               63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4]
    static let pc2: [UInt8] = [14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
                               41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32]
    static let shifts: [UInt32] = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]
    static let sboxes: [[UInt8]] = [
        [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
         4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
        [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
         0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
        [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
         13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
        [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
         10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
        [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
         4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
        [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
         9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
        [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
         1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
        [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
         7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
    ]
}
