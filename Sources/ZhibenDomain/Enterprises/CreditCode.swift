import Foundation

/// Unified social credit code (统一社会信用代码, GB 32100-2015).
public struct CreditCode: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    private static let index: [Character: Int] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    public let value: String
    public var description: String { value }

    public enum Problem: Error, Equatable, Sendable {
        case empty
        case wrongLength(Int)
        case invalidCharacter(Character, position: Int)
        case checkMismatch(expected: Character, found: Character)

        public var issue: (zh: String, en: String) {
            switch self {
            case .empty:
                ("不能为空", "must not be empty")
            case .wrongLength(let n):
                ("应为18位，实际为\(n)位", "must have 18 characters, has \(n)")
            case .invalidCharacter(let c, let p):
                ("第\(p)位字符“\(c)”不允许（不得含 I、O、Z、S、V）",
                 "character '\(c)' at position \(p) is not allowed (I, O, Z, S, V never occur)")
            case .checkMismatch(let e, let f):
                ("校验位错误：第18位应为“\(e)”，实际为“\(f)”",
                 "check character is wrong: position 18 should be '\(e)', found '\(f)'")
            }
        }
    }

    /// Validates and normalises (trims, upper-cases) a code.
    public init(_ text: String) throws(Problem) {
        let v = text.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        guard !v.isEmpty else { throw .empty }
        let chars = Array(v)
        guard chars.count == 18 else { throw .wrongLength(chars.count) }
        for (i, c) in chars.enumerated() where Self.index[c] == nil {
            throw .invalidCharacter(c, position: i + 1)
        }
        let expected = Self.checkCharacter(for: String(chars[0..<17]))!
        guard chars[17] == expected else { throw .checkMismatch(expected: expected, found: chars[17]) }
        self.value = v
    }

    /// The 18th character for the first 17: weights 3^(i-1) mod 31, check index (31 − Σ mod 31) mod 31.
    public static func checkCharacter(for first17: String) -> Character? {
        let chars = Array(first17)
        guard chars.count == 17 else { return nil }
        var sum = 0
        var weight = 1
        for c in chars {
            guard let v = index[c] else { return nil }
            sum += v * weight
            weight = (weight * 3) % 31
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// Builds a valid code from 17 leading characters (demo data, tests).
    public static func completing(_ first17: String) -> CreditCode? {
        guard let c = checkCharacter(for: first17) else { return nil }
        return try? CreditCode(first17 + String(c))
    }
}
