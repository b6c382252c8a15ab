/// The version both executables report.
enum UltraRefinerVersion {
    static let string = "0.1.0"
}
