import Foundation

/// A resident identity card number (居民身份证号码, GB 11643-1999): six digits of the address code,
/// eight of the birth date, three of the sequence (odd for men), and a check character computed with
/// ISO 7064 MOD 11-2 (`X` stands for 10).
public struct IDNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let value: String

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checks: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Why a text is not an ID number.
    public enum Problem: Error, Sendable, Equatable {
        case length(Int)
        case characters
        case birthDate(String)
        case checkCharacter(expected: Character)

        public var zh: String {
            switch self {
            case .length(let n): "身份证号码应为18位（现为\(n)位）"
            case .characters: "身份证号码前17位应为数字，最后一位为数字或X"
            case .birthDate(let d): "身份证号码中的出生日期\(d)无效"
            case .checkCharacter(let c): "身份证号码校验位不符（应为\(c)），请核对是否输错"
            }
        }

        public var en: String {
            switch self {
            case .length(let n): "an ID number has 18 characters (this has \(n))"
            case .characters: "an ID number is 17 digits and a digit or X"
            case .birthDate(let d): "the birth date \(d) in the ID number is not a date"
            case .checkCharacter(let c): "the ID number's check character is wrong (it should be \(c)); check for a typo"
            }
        }
    }

    /// The check character of the first seventeen digits.
    public static func checkCharacter(of first17: some Sequence<Int>) -> Character {
        let sum = zip(first17, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return checks[sum % 11]
    }

    /// A valid number (spaces dropped, a lowercase x accepted), or the `Problem` with it. `today`
    /// (`yyyy-MM-dd`): no one is born after it.
    public init(validating text: String, today: String) throws(Problem) {
        let t = text.replacingOccurrences(of: " ", with: "").uppercased()
        guard t.count == 18 else { throw .length(t.count) }
        let chars = Array(t)
        let digits = chars.prefix(17).compactMap { $0.isASCII ? $0.wholeNumberValue : nil }
        guard digits.count == 17, chars[17] == "X" || (chars[17].isASCII && chars[17].isNumber) else { throw .characters }
        let birth = String(chars[6..<14])
        let birthDay = "\(birth.prefix(4))-\(birth.dropFirst(4).prefix(2))-\(birth.suffix(2))"
        guard ChinaTime.parseDay(birthDay) != nil, birthDay >= "1900-01-01", birthDay <= today else { throw .birthDate(birthDay) }
        let expected = Self.checkCharacter(of: digits)
        guard chars[17] == expected else { throw .checkCharacter(expected: expected) }
        value = t
    }

    /// The birth date, `yyyy-MM-dd`.
    public var birthDate: String {
        let d = Array(value)[6..<14]
        return "\(String(d.prefix(4)))-\(String(d.dropFirst(4).prefix(2)))-\(String(d.suffix(2)))"
    }

    /// The number as shown to those who may not see it whole: `1411**********123X`.
    public var masked: String { String(value.prefix(4)) + String(repeating: "*", count: 10) + String(value.suffix(4)) }

    public var description: String { masked }
}
