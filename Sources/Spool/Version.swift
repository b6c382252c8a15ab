/// The version both executables report and the daemon records in logs and error files.
public enum UltraRefinerVersion {
    public static let string = "0.2.0"
}
