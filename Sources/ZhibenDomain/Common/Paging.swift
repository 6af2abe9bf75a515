import Foundation

public struct Paging: Sendable, Equatable {
    public static let maxPer = 200
    /// Beyond any real list; it keeps `offset` far from overflowing whatever page number a client sends.
    public static let maxPage = 1_000_000
    public var page: Int
    public var per: Int

    public init(page: Int = 1, per: Int = 20) {
        self.page = min(max(1, page), Self.maxPage)
        self.per = min(max(1, per), Self.maxPer)
    }

    public var offset: Int { (page - 1) * per }
}

public struct Paged<Item: Sendable>: Sendable {
    public var items: [Item]
    public var page: Int
    public var per: Int
    public var total: Int

    public init(items: [Item], page: Int, per: Int, total: Int) {
        self.items = items
        self.page = page
        self.per = per
        self.total = total
    }

    public var pageCount: Int { total == 0 ? 1 : (total + per - 1) / per }
}

public enum SortDirection: String, Sendable, Codable {
    case asc, desc
}
