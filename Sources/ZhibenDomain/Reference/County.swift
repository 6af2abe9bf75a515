import Foundation

/// A county-level division (县、市、区) of Lüliang.
public struct County: Sendable, Hashable, Codable, Labeled {
    public let code: String
    public let zh: String
    public let en: String

    public static let cityCode = "141100"
    public static let cityNameZh = "吕梁市"

    public static let all: [County] = [
        County(code: "141102", zh: "离石区", en: "Lishi District"),
        County(code: "141121", zh: "文水县", en: "Wenshui County"),
        County(code: "141122", zh: "交城县", en: "Jiaocheng County"),
        County(code: "141123", zh: "兴县", en: "Xing County"),
        County(code: "141124", zh: "临县", en: "Lin County"),
        County(code: "141125", zh: "柳林县", en: "Liulin County"),
        County(code: "141126", zh: "石楼县", en: "Shilou County"),
        County(code: "141127", zh: "岚县", en: "Lan County"),
        County(code: "141128", zh: "方山县", en: "Fangshan County"),
        County(code: "141129", zh: "中阳县", en: "Zhongyang County"),
        County(code: "141130", zh: "交口县", en: "Jiaokou County"),
        County(code: "141181", zh: "孝义市", en: "Xiaoyi City"),
        County(code: "141182", zh: "汾阳市", en: "Fenyang City"),
    ]

    private static let byCode: [String: County] = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })

    public static func named(_ code: String) -> County? { byCode[code] }

    /// Accepts a code or a Chinese name, as a spreadsheet may carry either.
    public static func lookup(_ text: String) -> County? {
        let t = text.trimmingCharacters(in: .whitespaces)
        return byCode[t] ?? all.first { $0.zh == t }
    }

    /// The short form used in names: 孝义市 → 孝义, 兴县 → 兴县.
    public var shortName: String {
        zh.count > 2 ? String(zh.dropLast()) : zh
    }
}
