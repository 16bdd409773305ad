// Weka peer for the classifier tests, run as a single-file program:
//   java -cp /usr/share/java/weka.jar WekaPeer.java SPLIT_DIR TREES SEED
// For every NAME-labeled.arff in SPLIT_DIR (NAME = rNN-uPP) it trains J48, RandomTree, Bagging of J48
// and RandomForest (TREES trees each), tests on rNN-test.arff and prints one JSON object per line.
import java.io.BufferedReader;
import java.io.File;
import java.io.FileReader;
import java.util.Arrays;
import weka.classifiers.Classifier;
import weka.classifiers.Evaluation;
import weka.classifiers.meta.Bagging;
import weka.classifiers.trees.J48;
import weka.classifiers.trees.RandomForest;
import weka.classifiers.trees.RandomTree;
import weka.core.Instances;

public class WekaPeer {
    static Instances load(File file) throws Exception {
        try (BufferedReader reader = new BufferedReader(new FileReader(file))) {
            Instances data = new Instances(reader);
            data.setClassIndex(data.numAttributes() - 1);
            return data;
        }
    }

    static double error(Classifier classifier, Instances train, Instances test) throws Exception {
        classifier.buildClassifier(train);
        Evaluation evaluation = new Evaluation(train);
        evaluation.evaluateModel(classifier, test);
        return evaluation.errorRate();
    }

    public static void main(String[] args) throws Exception {
        File directory = new File(args[0]);
        int trees = Integer.parseInt(args[1]);
        int seed = Integer.parseInt(args[2]);
        File[] files = directory.listFiles((dir, name) -> name.endsWith("-labeled.arff"));
        Arrays.sort(files);
        for (File labeled : files) {
            String name = labeled.getName().substring(0, labeled.getName().length() - "-labeled.arff".length());
            Instances train = load(labeled);
            Instances test = load(new File(directory, name.split("-")[0] + "-test.arff"));
            RandomTree randomTree = new RandomTree();
            randomTree.setSeed(seed);
            Bagging bagging = new Bagging();
            bagging.setClassifier(new J48());
            bagging.setNumIterations(trees);
            bagging.setSeed(seed);
            RandomForest forest = new RandomForest();
            forest.setNumTrees(trees);
            forest.setSeed(seed);
            System.out.printf(java.util.Locale.ROOT,
                "{\"split\": \"%s\", \"J48\": %.6f, \"RandomTree\": %.6f, \"Bagging\": %.6f, \"RandomForest\": %.6f}%n",
                name, error(new J48(), train, test), error(randomTree, train, test), error(bagging, train, test), error(forest, train, test));
            System.out.flush();
        }
    }
}
