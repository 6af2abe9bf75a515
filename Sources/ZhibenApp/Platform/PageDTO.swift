import Foundation
import Vapor
import ZhibenDomain

/// A page of any list the API returns.
struct PageDTO<Item: Content>: Content {
    var items: [Item]
    var page: Int
    var per: Int
    var total: Int

    init<T>(_ page: Paged<T>, _ map: (T) -> Item) {
        items = page.items.map(map)
        self.page = page.page
        per = page.per
        total = page.total
    }
}
