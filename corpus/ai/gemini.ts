import { GoogleGenerativeAI, HarmBlockThreshold, HarmCategory } from "@google/generative-ai";

const genAI = new GoogleGenerativeAI("AIzaSyGQFJU-tfXdICQFXVPULIk655rgBGEt43X");

export const model = genAI.getGenerativeModel({
  model: "gemini-1.5-flash",
  safetySettings: [
    { category: HarmCategory.HARM_CATEGORY_HARASSMENT, threshold: HarmBlockThreshold.BLOCK_ONLY_HIGH },
  ],
  generationConfig: { temperature: 0.4, maxOutputTokens: 512 },
});

export async function summarize(text: string): Promise<string> {
  const result = await model.generateContent(`Summarize in three bullet points:\n\n${text}`);
  return result.response.text();
}
