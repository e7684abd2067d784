// Fill the served XForm with JavaRosa (the engine inside ODK Collect) as an enumerator would,
// then finalise it as Collect does: run with `java -cp ODK_Validate.jar FillForm.java FORM ANSWERS...`
// (ODK_Validate.jar ships with pyxform and contains JavaRosa). Each ANSWERS file holds `name=value`
// lines (a question's name; an empty value clears it). For each file, prints `=== <file>`, then
// `REFUSED <why> <question>` when the form itself refuses (a constraint, or a required answer
// missing), else `FINAL` and, on one line, the instance XML Collect would send.
import java.io.FileInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.javarosa.core.model.FormDef;
import org.javarosa.core.model.FormIndex;
import org.javarosa.core.model.SelectChoice;
import org.javarosa.core.model.ValidateOutcome;
import org.javarosa.core.model.data.AnswerDataFactory;
import org.javarosa.core.model.data.IAnswerData;
import org.javarosa.core.model.data.SelectOneData;
import org.javarosa.core.model.data.UncastData;
import org.javarosa.core.model.instance.InstanceInitializationFactory;
import org.javarosa.form.api.FormEntryController;
import org.javarosa.form.api.FormEntryModel;
import org.javarosa.form.api.FormEntryPrompt;
import org.javarosa.model.xform.XFormSerializingVisitor;
import org.javarosa.xform.util.XFormUtils;

public class FillForm {
    static class Refused extends RuntimeException {
        Refused(String why, String name) { super(why + " " + name); }
    }

    public static void main(String[] args) throws Exception {
        for (int i = 1; i < args.length; i++) {
            System.out.println("=== " + args[i]);
            try {
                System.out.println("FINAL\n" + fill(args[0], args[i]));
            } catch (Refused r) {
                System.out.println("REFUSED " + r.getMessage());
            }
        }
    }

    static String fill(String formPath, String answersPath) throws Exception {
        FormDef form = XFormUtils.getFormFromInputStream(new FileInputStream(formPath));
        Map<String, String> answers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(answersPath), StandardCharsets.UTF_8)) {
            int eq = line.indexOf('=');
            if (eq > 0) answers.put(line.substring(0, eq), line.substring(eq + 1));
        }
        FormEntryModel model = new FormEntryModel(form);
        FormEntryController entry = new FormEntryController(model);
        form.initialize(true, new InstanceInitializationFactory());
        entry.jumpToIndex(FormIndex.createBeginningOfFormIndex());
        int event;
        while ((event = entry.stepToNextEvent()) != FormEntryController.EVENT_END_OF_FORM) {
            if (event != FormEntryController.EVENT_QUESTION) continue;
            FormEntryPrompt prompt = model.getQuestionPrompt();
            String name = prompt.getIndex().getReference().getNameLast();
            if (!answers.containsKey(name)) continue;
            int result = entry.answerQuestion(answer(prompt, answers.get(name)), true);
            if (result == FormEntryController.ANSWER_CONSTRAINT_VIOLATED) throw new Refused("constraint", name);
        }
        // "Finalize": every relevant question's required and constraint checked again
        ValidateOutcome outcome = form.validate(true);
        if (outcome != null) {
            String why = outcome.outcome == FormEntryController.ANSWER_REQUIRED_BUT_EMPTY ? "required" : "constraint";
            throw new Refused(why, outcome.failedPrompt.getReference().getNameLast());
        }
        form.postProcessInstance();
        byte[] xml = new XFormSerializingVisitor().serializeInstance(form.getInstance());
        return new String(xml, StandardCharsets.UTF_8).replace("\n", " ");
    }

    static IAnswerData answer(FormEntryPrompt prompt, String value) {
        if (value.isEmpty()) return null;
        if (prompt.getSelectChoices() != null && !prompt.getSelectChoices().isEmpty()) {
            for (SelectChoice c : prompt.getSelectChoices()) {
                if (c.getValue().equals(value)) return new SelectOneData(c.selection());
            }
            throw new Refused("no_such_choice", prompt.getIndex().getReference().getNameLast());
        }
        return AnswerDataFactory.template(prompt.getControlType(), prompt.getDataType()).cast(new UncastData(value));
    }
}
