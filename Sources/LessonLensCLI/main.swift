print("lessonlens")
