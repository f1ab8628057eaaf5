// EPUBCheck for many EPUBs in one JVM: a line "<epub>\t<report.json>" on stdin checks one EPUB
// with EPUBCheck's own command-line entry point and answers "done <status>" on stdout.
// The suite starts it once (java's source-file mode compiles this file), since each new JVM
// costs seconds and compiles EPUBCheck's schemas again; tests/conftest.py runs the jar itself
// where this cannot start.
import com.adobe.epubcheck.tool.EpubChecker;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

public class Batch {
    public static void main(String[] args) throws Exception {
        PrintStream answers = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
        System.setOut(System.err);  // EPUBCheck's own printing must not mix with the answers
        BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = requests.readLine()) != null) {
            String[] fields = line.split("\t");
            int status = new EpubChecker().run(new String[] {fields[0], "--json", fields[1]});
            answers.println("done " + status);
        }
    }
}
