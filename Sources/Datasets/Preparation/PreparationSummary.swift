extension PreparationReport {
    /// The table printed at the end of `prepare`: images per class and split, the excluded
    /// images and the other problem files, each with its reason.
    public var summary: String {
        let record = cases
        let imageExclusions = record.excluded.filter(\.excludesImage)
        let otherProblems = record.excluded.filter { !$0.excludesImage }
        let classes = Set(record.cases.map(\.className) + imageExclusions.map(\.className))
            .sorted { ($0 ?? "") < ($1 ?? "") }

        var lines: [String] = []
        let target = folder.map { "into \($0.path)" } ?? "(nothing written)"
        lines.append("Prepared \(record.name) from \(record.source) (\(record.layout.rawValue) layout) \(target)")
        let header = ["class", "train", "test", "excluded", "images"]
        var rows: [[String]] = []
        func row(_ label: String, _ include: (String?) -> Bool) -> [String] {
            let train = record.cases.filter { include($0.className) && $0.split == "train" }.count
            let test = record.cases.filter { include($0.className) && $0.split == "test" }.count
            let excluded = imageExclusions.filter { include($0.className) }.count
            return [label, "\(train)", "\(test)", "\(excluded)", "\(train + test + excluded)"]
        }
        for className in classes { rows.append(row(className ?? "(all)") { $0 == className }) }
        if classes.count > 1 { rows.append(row("total") { _ in true }) }
        lines += Self.table(header: header, rows: rows)
        if let splits {
            let sizes = splits.folds.map { "\($0.val.count)" }.joined(separator: "/")
            lines.append("seed \(splits.seed), test fraction \(splits.testFraction), stratified by \(splits.stratifiedBy), "
                + "\(splits.folds.count) folds over train (validation sizes \(sizes))")
        }
        if !imageExclusions.isEmpty {
            lines.append("Excluded images (\(imageExclusions.count)):")
            lines += imageExclusions.map { "  \($0.file): \($0.kind.rawValue): \($0.reason)" }
        }
        if !otherProblems.isEmpty {
            lines.append("Other files not used (\(otherProblems.count)):")
            lines += otherProblems.map { "  \($0.file): \($0.kind.rawValue): \($0.reason)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Left-aligned first column, right-aligned numbers.
    private static func table(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { cells in
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }
}
