import Foundation

/// One bad input field and why, in both interface languages.
public struct FieldIssue: Sendable, Equatable, Codable, Hashable {
    public var field: String
    public var reasonZh: String
    public var reasonEn: String

    public init(field: String, zh: String, en: String) {
        self.field = field
        self.reasonZh = zh
        self.reasonEn = en
    }

    public func reason(_ locale: Language) -> String { locale == .en ? reasonEn : reasonZh }
}

/// The errors every use case may answer. Callers map them to HTTP statuses.
public enum DomainError: Error, Sendable, Equatable {
    /// The record does not exist for this caller (absent, or outside its jurisdiction).
    case notFound(entity: String)
    /// The caller may see the record but lacks the permission for the act.
    case forbidden(permission: Permission)
    case validation([FieldIssue])
    case conflict(FieldIssue)
    /// A state machine refused an event in a state.
    case invalidTransition(from: String, event: String)
    /// The writer read version `expected`, but the record has changed since: it is now at `current`.
    case staleVersion(entity: String, expected: Int, current: Int)
}

public enum Language: String, Sendable, Codable, CaseIterable {
    case zh
    case en
}

/// Anything with a Chinese and an English label.
public protocol Labeled {
    var zh: String { get }
    var en: String { get }
}

extension Labeled {
    public func label(_ locale: Language) -> String { locale == .en ? en : zh }
}

extension String {
    /// The length limits of every text field count Unicode scalars, as JSON Schema's `maxLength` does and as
    /// the database stores them: `count` (grapheme clusters) reads "\r\n" or a letter with combining marks as one,
    /// which let a text one scalar over its limit through.
    public var length: Int { unicodeScalars.count }
}
