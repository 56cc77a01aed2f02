import PostgresNIO

/// SQL assembled from constant fragments chosen case by case, with every value bound: for
/// queries whose shape depends on which filters apply (one plan per case, each able to use its
/// index, instead of `($1 IS NULL OR …)` conditions a generic plan cannot use).
struct BoundSQL {
    private(set) var sql = ""
    private var bindings = PostgresBindings()

    /// Binds `value` and returns its placeholder (`$n`).
    mutating func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// Appends constant SQL.
    mutating func append(_ fragment: String) {
        sql += fragment
    }

    /// The query to run.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: bindings) }
}
