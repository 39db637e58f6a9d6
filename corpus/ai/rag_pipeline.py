from __future__ import annotations

import cohere
from pinecone import Pinecone

pc = Pinecone(api_key="pcsk_Hjmd8_KaINCXNuhIsMo7B7A8iPux47KEgSHdKiZgXnhSI0eTDpj5xSurydo4pwUosrjl7")
index = pc.Index("kb-articles")
co = cohere.ClientV2("BO186gWqOtzFE6JGEOQEs2bdY7Ro13Webw7MGkYO")


def embed(texts: list[str], input_type: str) -> list[list[float]]:
    res = co.embed(texts=texts, model="embed-english-v3.0", input_type=input_type, embedding_types=["float"])
    return res.embeddings.float_


def search(question: str, k: int = 8) -> list[dict]:
    qv = embed([question], "search_query")[0]
    hits = index.query(vector=qv, top_k=k, include_metadata=True, namespace="en")
    docs = [h.metadata["text"] for h in hits.matches]
    reranked = co.rerank(model="rerank-english-v3.0", query=question, documents=docs, top_n=3)
    return [{"text": docs[r.index], "score": r.relevance_score} for r in reranked.results]
