package imfengine.cli;

/** Bad input from the user: reported as one line, exit code 2, no stack trace (unless --debug). */
public final class UsageException extends RuntimeException {
    public UsageException(String message) { super(message); }
}
